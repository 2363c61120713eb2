"""The report (flags composed in SQL) and the loan lists (Q objects) give the same members for every code."""
import datetime as dt

from npl import testing
from npl.accounts.choices import Role
from npl.categories.engine import loans_in
from npl.categories.reports import ORDER, category_figures
from npl.categories.services import decide_membership, request_membership
from npl.categories.tests.conftest import on_list, on_roster, repay
from npl.litigation.models import LitigationCase
from npl.loans.models import Loan

DAY = dt.date(2026, 6, 1)


def test_every_code_counts_the_same_loans_in_the_report_and_in_its_list(make_loan, town, other_town):
    town_admin = testing.user("ta", Role.TOWNSHIP_ADMIN, town=town)
    qu = testing.user("qa", Role.DISTRICT_ADMIN)
    loans = [make_loan(f"L{i}", f"{1000 * (i + 1)}.00", in_town=town if i % 2 else other_town,
                       guarantee="抵押" if i % 3 == 0 else "保证") for i in range(12)]
    on_roster(loans[0].borrower, "dibao")
    on_roster(loans[0].borrower, "poverty")
    on_roster(loans[1].borrower, "nominal_household", township=town)
    on_roster(loans[2].borrower, "nominal_household", township=town)  # loans[2] is in the other town
    on_list(loans[3], "bank_staff")
    LitigationCase.objects.create(loan=loans[4], direction="borrower_sued_bank", case_no="1", counted_from=DAY)
    on_roster(loans[5].borrower, "lost_contact")
    repay(loans[5], dt.date(2026, 5, 1), "6000.00")  # settled: out of every count
    for loan, code, op in [(loans[6], "special_household", "add"), (loans[0], "poverty", "remove"),
                           (loans[4], "litigation", "remove"), (loans[9], "large_mortgage", "add"),
                           (loans[7], "deceased", "add")]:
        decide_membership(request_membership(loan, code, op, town_admin if loan.township == town else qu, "核实"), qu, True, on=DAY)
    with_threshold = make_loan("BIG", "1000000.00", guarantee="抵押")
    figures = category_figures(Loan.objects.all(), DAY)
    for code in ORDER:
        members = loans_in(code, DAY)
        assert figures[code]["count"] == members.count(), code
        assert figures[code]["households"] == members.values("borrower_id").distinct().count(), code
    assert figures["special_household"]["count"] == 2 and figures["poverty"]["count"] == 0
    assert figures["nominal_household"]["count"] == 1 and figures["litigation"]["count"] == 0
    assert figures["large_mortgage"]["count"] == 2 and with_threshold.pk
