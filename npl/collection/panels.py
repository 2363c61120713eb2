"""The loan page's collection panels (npl/core/panels.py): legal clocks, the 处置 link, repayments, actions."""
from npl.collection.clocks import loan_clock_context
from npl.core.panels import Panel


def _clocks(request, loan, page):
    # The suggestions panel reads the clock from the page ("legal_clock") instead of computing it again.
    return loan_clock_context(loan, page["today"])


def _nothing(request, loan, page):
    return {}


def _repayments(request, loan, page):
    return {"repayments": loan.repayments.order_by("-paid_on", "-pk")}


def _actions(request, loan, page):
    return {"actions": loan.actions.select_related("collector").order_by("-acted_on", "-pk")}


LOAN_PANELS = (
    Panel("collection.clocks", 40, "collection/_loan_clocks.html", _clocks),
    Panel("collection.flow", 45, "collection/_flow_link.html", _nothing),
    Panel("collection.other_day", 65, "collection/_loan_other_day.html", _nothing),
    Panel("collection.repayments", 100, "collection/_loan_repayments.html", _repayments),
    Panel("collection.actions", 110, "collection/_loan_actions.html", _actions),
)
