"""The loan page's court cases (npl/core/panels.py)."""
from npl.core.panels import Panel
from npl.litigation.services import may_file


def _cases(request, loan, page):
    return {
        "cases": loan.litigation_cases.prefetch_related("stages").order_by("-counted_from"),
        "may_file_case": may_file(request.user),
    }


LOAN_PANELS = (Panel("litigation.cases", 80, "litigation/_loan_cases.html", _cases),)
