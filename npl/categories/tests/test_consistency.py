"""The report (flags composed in SQL) and the loan lists (Q objects) give the same members for every code."""
import datetime as dt

from npl import testing
from npl.accounts.choices import Role
from npl.categories.engine import loans_in
from npl.categories.reports import ORDER, category_figures
from npl.categories.services import decide_membership, request_membership
from npl.categories.tests.conftest import on_list, on_roster, repay
from npl.core import derived
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


def test_the_engine_asked_for_a_few_loans_answers_as_over_every_loan(make_loan, town, other_town):
    """Named loans read only their own rows of every source (rosters by their borrowers' hashes, lists, cases,
    manual decisions): each loan's categories are the same asked alone, in a pair, or as part of the whole."""
    from npl.categories.engine import loan_categories_many

    qu = testing.user("qa2", Role.DISTRICT_ADMIN)
    loans = [make_loan(f"N{i}", f"{50000 * (i + 1)}.00", in_town=town if i % 2 else other_town,
                       guarantee="抵押" if i % 3 == 0 else "保证") for i in range(9)]
    twin = make_loan("N-TWIN", "30000.00", who=loans[0].borrower, in_town=other_town)  # the same borrower, second loan
    on_roster(loans[0].borrower, "dibao")
    on_roster(loans[1].borrower, "nominal_household", township=town)
    on_roster(loans[2].borrower, "nominal_household", township=town)  # scoped to the other township: not loans[2]'s
    on_roster(loans[3].borrower, "deceased", valid_to=DAY)  # ended on the day: out
    on_list(loans[4], "bank_staff")
    LitigationCase.objects.create(loan=loans[5], direction="bank_sued_borrower", case_no="2", counted_from=DAY)
    derived.refresh([loans[5].pk], setup=True)  # written directly, not through litigation's services
    decide_membership(request_membership(loans[6], "lost_contact", "add", qu, "核实"), qu, True, on=DAY)
    decide_membership(request_membership(loans[0], "dibao", "remove", qu, "核实"), qu, True, on=DAY)
    everyone = loans + [twin]
    whole = {pk: cats for pk, (_, cats) in _unnamed(everyone).items()}
    assert whole[twin.pk] and whole[twin.pk] != whole[loans[0].pk]  # the twin keeps 低保, loans[0] had it removed
    assert any(code == "nominal_household" for code, _ in whole[loans[1].pk])
    assert not any(code == "nominal_household" for code, _ in whole[loans[2].pk])
    for loan in everyone:
        assert loan_categories_many([loan.pk], DAY)[loan.pk] == whole[loan.pk], loan.loan_no
    pair = loan_categories_many([loans[1].pk, twin.pk], DAY)
    assert pair == {loans[1].pk: whole[loans[1].pk], twin.pk: whole[twin.pk]}


def _unnamed(loans):
    """Every loan's categories by the conditions over all loans (no loan named), as the reports read them."""
    from django.db.models import BooleanField, ExpressionWrapper

    from npl.categories.choices import NAMES
    from npl.categories.engine import conditions
    from npl.loans.balances import BALANCE, with_balance

    conds = conditions(DAY)
    flags = {f"c_{code}": ExpressionWrapper(q, output_field=BooleanField()) for code, q in conds.items()}
    rows = with_balance(Loan.objects.filter(pk__in=[loan.pk for loan in loans]), DAY).annotate(**flags)
    order = list(NAMES)
    out = {}
    for row in rows.values("pk", BALANCE, *flags):
        cats = [(code, NAMES[code]) for code in order if row.get(f"c_{code}")]
        out[row["pk"]] = (row[BALANCE], cats)
    return out


def test_named_loans_read_district_and_township_rosters_as_every_loan_does(make_loan, town, other_town):
    """With two districts an entry of a district applies to that district's loans only, an entry of a township to
    that township's, an entry of neither to all: the named loans' conditions (lists of their borrowers on each
    roster) say the same as the conditions over every loan, asked for one loan, a few, or all."""
    from npl.categories.engine import loan_categories_many
    from npl.org.models import District

    home = town.district
    elsewhere = District.objects.create(name="邻区")
    far_town = testing.township("远山镇", district=elsewhere)
    loans = [make_loan(f"D{i}", f"{20000 * (i + 1)}.00", in_town=[town, other_town, far_town][i % 3]) for i in range(9)]
    on_roster(loans[0].borrower, "imprisoned", district=home)  # loans[0] is in town: in
    on_roster(loans[1].borrower, "imprisoned", district=elsewhere)  # loans[1] is in other_town: out
    on_roster(loans[2].borrower, "imprisoned", district=elsewhere)  # loans[2] is in far_town: in
    on_roster(loans[3].borrower, "lost_contact", township=town)  # in town: in
    on_roster(loans[4].borrower, "lost_contact", township=town)  # in other_town: out
    on_roster(loans[5].borrower, "dibao")  # every district: in
    on_roster(loans[6].borrower, "dibao", district=home)
    on_roster(loans[6].borrower, "lost_contact", township=far_town)  # loans[6] is in town: 低保 only
    whole = {pk: cats for pk, (_, cats) in _unnamed(loans).items()}
    codes = {pk: {code for code, _ in cats} for pk, cats in whole.items()}
    assert "imprisoned" in codes[loans[0].pk] and "imprisoned" not in codes[loans[1].pk]
    assert "imprisoned" in codes[loans[2].pk]
    assert "lost_contact" in codes[loans[3].pk] and "lost_contact" not in codes[loans[4].pk]
    assert "dibao" in codes[loans[5].pk] and codes[loans[6].pk] >= {"dibao"} and "lost_contact" not in codes[loans[6].pk]
    assert loan_categories_many([loan.pk for loan in loans], DAY) == whole
    for loan in loans:
        assert loan_categories_many([loan.pk], DAY)[loan.pk] == whole[loan.pk], loan.loan_no
