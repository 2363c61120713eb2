"""The ledger writes its rows itself (LoanTable.body): they are the rows django-tables2 renders for the same loans."""
import re
from decimal import Decimal

import pytest
from django.test import RequestFactory

from npl import testing
from npl.loans.choices import Classification, LoanStatus
from npl.loans.models import Loan
from npl.loans.tables import LoanTable


def tbody(html: str) -> str:
    """The table body, its whitespace between and inside tags made uniform."""
    body = re.search(r"<tbody[^>]*>(.*)</tbody>", html, re.S).group(1)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", body)).strip()


def both_ways(queryset, page: int = 1) -> tuple[str, str]:
    """(the ledger's rows, django-tables2's own rows) for one page of `queryset`."""
    request = RequestFactory().get("/loans/", {"page": page})
    out = []
    for template in ("loans/_ledger_table.html", "loans/_table.html"):
        table = LoanTable(queryset, template_name=template)
        table.paginate(page=page, per_page=3)
        out.append(tbody(table.as_html(request)))
    return out[0], out[1]


@pytest.fixture
def varied(loans, units, cast):
    """Loans with and without a village, a collector and a classification, in several states, and text to escape."""
    odd_village = testing.community(units.town_a, "东<村>&")
    loans["LA002"].classification = Classification.DOUBTFUL
    loans["LA002"].status = LoanStatus.IN_COLLECTION
    loans["LA002"].community = odd_village
    loans["LA002"].save()
    loans["LB001"].status = LoanStatus.WRITTEN_OFF
    loans["LB001"].principal_balance = Decimal("1234567.05")
    loans["LB001"].save()
    return Loan.objects.select_related("borrower", "township", "community", "branch", "responsible_person")


def test_every_row_of_a_page_is_what_django_tables2_renders(varied):
    ours, theirs = both_ways(varied)
    assert ours == theirs
    assert "东&lt;村&gt;&amp;" in ours and "1,234,567.05" not in ours  # LB001 is on page 2


def test_a_second_page_keeps_its_row_classes_and_cells(varied):
    ours, theirs = both_ways(varied, page=2)
    assert ours == theirs
    assert "1,234,567.05" in ours


def test_an_empty_page_says_so_as_django_tables2_does(varied):
    ours, theirs = both_ways(varied.none())
    assert ours == theirs
    assert "没有符合条件的贷款" in ours
