"""The ledger's stored totals follow every write of the loans, and the ledger shows the same figures as a count."""
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext

from npl import testing
from npl.core import bulk
from npl.core.money import fmt_wan
from npl.loans.choices import LoanStatus
from npl.loans.models import Loan, LoanTotal


def counted() -> dict:
    """(township, village or 0, branch, status) → (loans, balance), counted over the loans."""
    rows = Loan.objects.values("township_id", "community_id", "branch_id", "status").annotate(
        n=Count("pk"), b=Sum("principal_balance"))
    return {(r["township_id"], r["community_id"] or 0, r["branch_id"], r["status"]): (r["n"], r["b"]) for r in rows}


def stored() -> dict:
    """The same from the stored totals; a key left without loans must hold no balance either."""
    rows = list(LoanTotal.objects.all())
    assert all(t.balance == 0 for t in rows if t.loans == 0), [(t, t.balance) for t in rows if t.loans == 0]
    return {(t.township_id, t.community_key, t.branch_id, t.status): (t.loans, t.balance) for t in rows if t.loans}


def test_the_totals_hold_every_loan_the_builders_made(loans):
    assert stored() == counted()
    assert sum(n for n, _ in stored().values()) == 5


def test_a_saved_change_of_balance_status_or_unit_moves_the_totals(loans, units):
    loan = loans["LA001"]
    loan.principal_balance = Decimal("12345.67")
    loan.save()
    loans["LA002"].status = LoanStatus.IN_COLLECTION
    loans["LA002"].save()
    loans["LB001"].township, loans["LB001"].community = units.town_a, None
    loans["LB001"].save()
    assert stored() == counted()


def test_a_bulk_update_and_an_import_style_insert_move_the_totals_in_one_statement(loans, units):
    Loan.objects.filter(township=units.town_b).update(status=LoanStatus.WRITTEN_OFF)
    for loan in loans.values():
        loan.principal_balance = loan.principal_balance / 2
        loan.status = LoanStatus.PARTLY_REPAID
    bulk.update_objects(Loan, list(loans.values()), ["principal_balance", "status"])
    who = testing.borrower(91, "赵九")
    template = Loan.objects.values().get(pk=loans["LA003"].pk)
    bulk.insert_dicts(Loan, [
        {**{k: v for k, v in template.items() if k != "id"}, "loan_no": f"N{i}", "borrower_id": who.pk,
         "principal_balance": Decimal(f"{i}000.01")} for i in range(1, 4)
    ])
    assert stored() == counted()


def test_a_deleted_loan_leaves_the_totals(loans):
    Loan.objects.filter(loan_no="LB002").delete()
    assert stored() == counted()


def test_an_update_written_twice_for_one_loan_keeps_the_last_values(loans):
    first, again = Loan.objects.get(loan_no="LA001"), Loan.objects.get(loan_no="LA001")
    first.principal_balance, again.principal_balance = Decimal("1.00"), Decimal("2.00")
    bulk.update_objects(Loan, [first, again], ["principal_balance"])
    assert Loan.objects.get(loan_no="LA001").principal_balance == Decimal("2.00")
    assert stored() == counted()


def summary(response) -> tuple[str, str]:
    return re.search(r"共 <strong>(\d+)</strong> 笔，本金余额 <strong>([\d.]+)</strong> 万元", response.content.decode()).groups()


@pytest.mark.parametrize("role", ["district_admin", "township_admin", "branch_staff", "collector", "police_liaison"])
@pytest.mark.parametrize("filters", [{}, {"township": "town_b"}, {"branch": "branch_b"}, {"community": "community_a"},
                                     {"status": "registered"}, {"status": "settled"}, {"balance_min": "90000"},
                                     {"q": "zs"}])
def test_the_ledger_shows_the_count_and_balance_of_the_loans_it_lists(role, filters, loans, units, client_for):
    params = {k: getattr(units, v).pk if k in ("township", "branch", "community") else v for k, v in filters.items()}
    loans["LB002"].status = LoanStatus.IN_COLLECTION
    loans["LB002"].save()
    response = client_for(role).get("/loans/", params)
    listed = Loan.objects.filter(loan_no__in=re.findall(r'href="/loans/(L[AB]\d{3})/"', response.content.decode()))
    figures = listed.aggregate(n=Count("pk"), b=Sum("principal_balance"))
    assert summary(response) == (str(figures["n"]), fmt_wan(figures["b"] or 0))


def test_the_ledger_reads_its_figures_from_the_stored_totals_when_filtered_by_units_only(loans, units, client_for):
    with CaptureQueriesContext(connection) as ctx:
        client_for("district_admin").get("/loans/", {"township": units.town_b.pk, "status": "registered"})
    on_loans = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "loans_loan" in q["sql"]]
    assert on_loans == []
    assert any("loans_loantotal" in q["sql"] and "SUM(" in q["sql"].upper() for q in ctx.captured_queries)


def test_a_collectors_ledger_counts_the_collectors_own_loans(loans, client_for):
    assert summary(client_for("collector").get("/loans/")) == ("1", "10.00")
