"""The nine-category table: distinct loans, borrower-level rosters, dated memberships, 元 then 万元."""
import datetime as dt

from npl import testing
from npl.categories.reports import category_report
from npl.categories.tests.conftest import SNAP, on_list, on_roster, repay
from npl.core.models import Setting
from npl.litigation.models import LitigationCase

DAY = dt.date(2026, 4, 1)


def rows(report):
    """code → row, subcategories included."""
    out = {}
    for c in report["categories"]:
        out[c["code"]] = c
        for s in c.get("subcategories", []):
            out[s["code"]] = s
    return out


def test_report_has_the_nine_categories_in_domain_order_with_subcategories_only_where_they_exist(make_loan):
    report = category_report(as_of=DAY)
    assert [c["code"] for c in report["categories"]] == [
        "public_servant", "impersonated_or_staff", "special_household", "deceased", "imprisoned",
        "lost_contact", "nominal_household", "litigation", "large_mortgage",
    ]
    assert [s["code"] for s in report["categories"][2]["subcategories"]] == ["dibao", "disabled", "poverty", "emigrated"]
    assert "subcategories" not in report["categories"][0]
    assert report["scope"] == "西岭区" and report["as_of"] == "2026-04-01"


def test_a_loan_in_two_subcategories_counts_once_in_its_category_and_once_in_each(make_loan):
    loan = make_loan("L1", "1000.00")
    on_roster(loan.borrower, "dibao")
    on_roster(loan.borrower, "disabled")
    r = rows(category_report(as_of=DAY))
    assert (r["special_household"]["count"], r["special_household"]["amount"]) == (1, "1000.00")
    assert (r["dibao"]["count"], r["disabled"]["count"], r["poverty"]["count"]) == (1, 1, 0)


def test_a_borrower_on_a_roster_brings_in_all_their_loans_as_one_household(make_loan):
    who = testing.borrower(7, "钱七")
    make_loan("L1", "1000.00", who=who)
    make_loan("L2", "2000.00", who=who)
    make_loan("L3", "4000.00")
    on_roster(who, "deceased")
    r = rows(category_report(as_of=DAY))
    assert (r["deceased"]["count"], r["deceased"]["households"], r["deceased"]["amount"]) == (2, 1, "3000.00")


def test_a_township_scoped_roster_applies_only_to_loans_of_that_township(make_loan, town, other_town):
    who = testing.borrower(7, "钱七")
    make_loan("L1", "1000.00", who=who, in_town=town)
    make_loan("L2", "2000.00", who=who, in_town=other_town)
    on_roster(who, "nominal_household", township=town)
    assert rows(category_report(as_of=DAY))["nominal_household"]["count"] == 1
    assert rows(category_report(as_of=DAY, township=town))["nominal_household"]["amount"] == "1000.00"
    assert rows(category_report(as_of=DAY, township=other_town))["nominal_household"]["count"] == 0


def test_a_roster_imported_later_changes_todays_report_but_not_an_earlier_day(make_loan):
    stays, leaves, joins = (make_loan(n, "1000.00") for n in ("L1", "L2", "L3"))
    on_roster(stays.borrower, "lost_contact")
    first = on_roster(leaves.borrower, "lost_contact")
    # the second roster, valid from June: `leaves` is dropped, `joins` is added
    later = dt.date(2026, 6, 1)
    first.valid_to = later
    first.save()
    on_roster(joins.borrower, "lost_contact", valid_from=later)
    before = rows(category_report(as_of=DAY))["lost_contact"]
    after = rows(category_report(as_of=dt.date(2026, 6, 2)))["lost_contact"]
    assert before["count"] == 2 and before["households"] == 2
    assert after["count"] == 2
    from npl.categories.engine import loan_ids_in

    assert set(loan_ids_in("lost_contact", DAY).values_list("pk", flat=True)) == {stays.pk, leaves.pk}
    assert set(loan_ids_in("lost_contact", later).values_list("pk", flat=True)) == {stays.pk, joins.pk}


def test_litigation_direction_decides_the_subcategory_from_the_day_it_counts(make_loan):
    a, b = make_loan("L1", "1000.00"), make_loan("L2", "3000.00")
    LitigationCase.objects.create(loan=a, direction="bank_sued_borrower", case_no="（2026）1号", counted_from=DAY)
    LitigationCase.objects.create(loan=a, direction="borrower_sued_bank", case_no="（2026）2号", counted_from=DAY)
    LitigationCase.objects.create(loan=b, direction="borrower_sued_bank", case_no="（2026）3号", counted_from=dt.date(2026, 5, 1))
    r = rows(category_report(as_of=DAY))
    assert (r["litigation"]["count"], r["bank_sued_borrower"]["count"], r["borrower_sued_bank"]["count"]) == (1, 1, 1)
    r = rows(category_report(as_of=dt.date(2026, 5, 1)))
    assert (r["litigation"]["count"], r["litigation"]["amount"], r["borrower_sued_bank"]["count"]) == (2, "4000.00", 2)


def test_the_bank_list_puts_loans_in_their_subcategory(make_loan):
    on_list(make_loan("L1", "1000.00"), "impersonated")
    on_list(make_loan("L2", "2000.00"), "bank_staff")
    r = rows(category_report(as_of=DAY))
    assert (r["impersonated_or_staff"]["count"], r["impersonated"]["amount"], r["bank_staff"]["amount"]) == (2, "1000.00", "2000.00")


def test_large_mortgage_includes_a_balance_of_exactly_the_threshold_and_follows_the_setting(make_loan):
    make_loan("L1", "1000000.00", guarantee="抵押+保证")
    make_loan("L2", "999999.99", guarantee="抵押")
    make_loan("L3", "5000000.00", guarantee="保证")
    r = rows(category_report(as_of=DAY))
    assert (r["large_mortgage"]["count"], r["large_mortgage"]["amount"]) == (1, "1000000.00")
    Setting.objects.create(key="large_mortgage_threshold", value="999999.99")
    assert rows(category_report(as_of=DAY))["large_mortgage"]["count"] == 2


def test_a_repayment_can_take_a_loan_below_the_large_mortgage_threshold(make_loan):
    loan = make_loan("L1", "1000000.00", guarantee="抵押")
    repay(loan, dt.date(2026, 5, 1), "0.01")
    assert rows(category_report(as_of=DAY))["large_mortgage"]["count"] == 1
    assert rows(category_report(as_of=dt.date(2026, 5, 1)))["large_mortgage"]["count"] == 0


def test_amounts_are_summed_in_yuan_then_rounded_half_up_to_wan(make_loan):
    for n in ("L1", "L2"):
        on_roster(make_loan(n, "1250.00").borrower, "imprisoned")
    row = rows(category_report(as_of=DAY))["imprisoned"]
    # per loan 0.125 → 0.13 would give 0.26; the sum 2500.00 元 is 0.25 万元
    assert (row["amount"], row["amount_wan"]) == ("2500.00", "0.25")
    on_roster(make_loan("L3", "50.00").borrower, "imprisoned")
    assert rows(category_report(as_of=DAY))["imprisoned"]["amount_wan"] == "0.26"  # 2550 → 0.255 → 0.26


def test_settled_loans_and_loans_not_yet_registered_are_not_counted(make_loan):
    settled = make_loan("L1", "1000.00")
    repay(settled, dt.date(2026, 4, 1), "1000.00")
    future = make_loan("L2", "2000.00", as_of=dt.date(2026, 6, 30))
    for loan in (settled, future):
        on_roster(loan.borrower, "poverty")
    assert rows(category_report(as_of=SNAP))["poverty"]["count"] == 1
    assert rows(category_report(as_of=DAY))["poverty"]["count"] == 0
    assert rows(category_report(as_of=dt.date(2026, 7, 1)))["poverty"]["amount"] == "2000.00"
