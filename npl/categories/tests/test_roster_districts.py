"""A roster of one district of several (issue 18): its entries put only that district's loans in categories —
in the engine, the stored memberships, the report SQL of a past day, the loan page's list and the clocks'
release date — while an entry without a district (written before districts) still applies everywhere."""
import datetime as dt

from npl.categories.engine import loan_categories, loan_ids_in
from npl.categories.models import Membership, roster_applies
from npl.categories.reports import category_figures
from npl.categories.tests.conftest import on_roster
from npl.collection.clocks.gather import _release_dates
from npl.collection.services import release_date
from npl.loans.models import Loan

DAY = dt.date(2026, 4, 30)


def deceased(loan_nos) -> set[str]:
    return set(Loan.objects.filter(pk__in=loan_ids_in("deceased", DAY)).values_list("loan_no", flat=True)) & set(loan_nos)


def test_a_district_roster_puts_the_person_in_the_category_in_that_district_only(loans, district_two):
    zhang = loans["LA001"].borrower  # also LC005's borrower, in 东川区
    on_roster(zhang, "deceased", district=district_two.first)
    assert deceased(["LA001", "LB002", "LC005"]) == {"LA001", "LB002"}
    stored = set(Membership.objects.filter(code="deceased").values_list("loan__loan_no", flat=True))
    assert stored == {"LA001", "LB002"}  # 张三's loans in 西岭区
    assert "deceased" in dict(loan_categories(loans["LA001"], DAY))
    assert "deceased" not in dict(loan_categories(district_two.loans["LC005"], DAY))
    # The report's SQL for a day other than today reads the entries as the engine does.
    for district, count in ((district_two.first, 2), (district_two.district, 0)):
        qs = Loan.objects.filter(township__district=district)
        assert category_figures(qs, DAY, ["deceased"], stored_today=False)["deceased"]["count"] == count


def test_the_other_districts_roster_reaches_only_its_loans_and_an_entry_without_district_reaches_both(loans, district_two):
    zhang = loans["LA001"].borrower
    on_roster(zhang, "dibao", district=district_two.district)
    on_roster(zhang, "poverty")
    dibao = set(Loan.objects.filter(pk__in=loan_ids_in("dibao", DAY)).values_list("loan_no", flat=True))
    poverty = set(Loan.objects.filter(pk__in=loan_ids_in("poverty", DAY)).values_list("loan_no", flat=True))
    assert "LC005" in dibao and "LA001" not in dibao
    assert {"LA001", "LC005"} <= poverty
    qs = Loan.objects.filter(township__district=district_two.first)
    assert category_figures(qs, DAY, ["dibao", "poverty"], stored_today=False)["dibao"]["count"] == 0


def test_a_township_entry_still_holds_to_its_township(loans, district_two):
    zhang = loans["LA001"].borrower
    on_roster(zhang, "disabled", district=district_two.district, township=district_two.town)
    assert set(Loan.objects.filter(pk__in=loan_ids_in("disabled", DAY)).values_list("loan_no", flat=True)) == {"LC005"}


def test_the_release_date_of_an_imprisoned_borrower_comes_from_the_loans_district_roster(loans, district_two):
    zhang = loans["LA001"].borrower
    on_roster(zhang, "imprisoned", district=district_two.first, details={"release_date": "2027-05-01"})
    one, two = loans["LA001"], district_two.loans["LC005"]
    assert release_date(one, DAY) == dt.date(2027, 5, 1)
    assert release_date(two, DAY) is None
    assert _release_dates([one, two], DAY) == {one.pk: dt.date(2027, 5, 1), two.pk: None}


def test_the_rule_in_one_place():
    assert roster_applies(None, None, 1, 10)
    assert roster_applies(1, None, 1, 10) and not roster_applies(2, None, 1, 10)
    assert roster_applies(1, 10, 1, 10) and not roster_applies(1, 11, 1, 10)
