"""Stored memberships (issue 16): every change that moves a loan in or out of a category moves its stored row in
the same transaction, the pages read those rows, and `npl derive --check` finds any that drifted."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from npl import testing
from npl.categories import derive, engine, services, stored
from npl.categories.models import Membership, RosterEntry
from npl.categories.reports import ORDER, category_figures
from npl.categories.tests.conftest import repay
from npl.collection import services as collection
from npl.core import derived
from npl.intake.services import run_import
from npl.intake.tests.sheets import write_xlsx
from npl.loans.models import Loan

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ROSTER = ["序号", "姓名", "公民身份号码", "备注"]


def codes_of(loan) -> set[str]:
    return set(Membership.objects.filter(loan=loan).values_list("code", flat=True))


def roster_file(tmp_path, *people):
    rows = [ROSTER] + [[i + 1, b.name, b.reveal_id(), ""] for i, b in enumerate(people)]
    return write_xlsx(tmp_path / "roster.xlsx", rows)


def test_the_stored_rows_are_what_the_engine_says_for_every_loan(loans):
    loan_ids = [loan.pk for loan in loans.values()]
    by_engine = engine.loan_categories_many(loan_ids, TODAY)
    assert stored.loan_categories(loan_ids) == {pk: cats for pk, cats in by_engine.items() if cats}
    assert codes_of(loans["LA003"]) == {"lost_contact"}
    assert codes_of(loans["LA002"]) == {"litigation", "bank_sued_borrower"}


def test_a_roster_import_stores_the_borrowers_loans_in_its_own_transaction(loans, tmp_path):
    zhang = loans["LA001"].borrower  # 张三 also holds LB002, in the other township
    path = roster_file(tmp_path, zhang)
    with pytest.raises(RuntimeError), transaction.atomic():
        report = run_import("roster", path, sub_kind="deceased", as_of=TODAY)
        assert report["created"] == 1
        assert "deceased" in codes_of(loans["LA001"]) and "deceased" in codes_of(loans["LB002"])
        raise RuntimeError("the transaction that imported the roster fails after it")
    assert not RosterEntry.objects.filter(kind="deceased").exists()
    assert not Membership.objects.filter(code="deceased").exists()
    run_import("roster", path, sub_kind="deceased", as_of=TODAY)
    assert set(Membership.objects.filter(code="deceased").values_list("loan__loan_no", flat=True)) == {"LA001", "LB002"}


def test_a_refused_roster_file_stores_nothing(loans, tmp_path):
    rows = [ROSTER, [1, "张三", loans["LA001"].borrower.reveal_id(), ""], [2, "某某", "123", ""]]
    report = run_import("roster", write_xlsx(tmp_path / "bad.xlsx", rows), sub_kind="deceased", as_of=TODAY)
    assert len(report["refused"]) == 1, report
    assert not RosterEntry.objects.filter(kind="deceased").exists()
    assert not Membership.objects.filter(code="deceased").exists()


@pytest.fixture
def mortgage(units, cast):
    """A mortgage just above the default threshold (1,000,000 元), assigned to the collector."""
    who = testing.borrower(30, "孙七")
    return testing.loan("LM001", who, units.town_a, units.branch_a, balance="1000500.00", guarantee="抵押",
                        collector=cast["collector"])


def test_a_repayment_that_takes_a_large_mortgage_under_the_threshold_takes_it_out(mortgage, cast):
    assert codes_of(mortgage) == {"large_mortgage"}
    rep = collection.record_repayment(mortgage, cast["collector"], paid_on=TODAY, amount=Decimal("200000.00"))
    assert codes_of(mortgage) == {"large_mortgage"}, "a repayment not yet confirmed counts nowhere"
    collection.review_repayment(rep, cast["branch_staff"], confirm=True)
    mortgage.refresh_from_db()
    assert mortgage.principal_balance < Decimal("1000000.00")
    assert codes_of(mortgage) == set()


def test_a_threshold_change_moves_mortgages_in_and_out(mortgage, cast):
    services.set_threshold("2000000", cast["district_admin"])
    assert codes_of(mortgage) == set()
    services.set_threshold("1000500.00", cast["district_admin"])
    row = Membership.objects.get(loan=mortgage)
    assert (row.code, row.balance, row.township_id) == ("large_mortgage", Decimal("1000500.00"), mortgage.township_id)


def test_a_manual_removal_takes_the_loan_out_and_ending_it_puts_it_back(loans, cast):
    loan = loans["LA003"]
    asked = services.request_membership(loan, "lost_contact", "remove", cast["township_admin"], "已联系上借款人")
    assert codes_of(loan) == {"lost_contact"}, "a request changes nothing until it is approved"
    decided = services.decide_membership(asked, cast["district_admin"], approve=True)
    assert codes_of(loan) == set()
    services.end_membership(decided, cast["district_admin"], on=TODAY + dt.timedelta(days=1))
    assert codes_of(loan) == set(), "the decision still holds today"


def test_a_manual_addition_to_a_subcategory_stores_its_category_too(loans, cast):
    loan = loans["LA001"]
    asked = services.request_membership(loan, "disabled", "add", cast["township_admin"], "残联证明")
    services.decide_membership(asked, cast["district_admin"], approve=True)
    assert {"disabled", "special_household"} <= codes_of(loan)


def test_a_liaisons_scope_follows_the_stored_rows(loans, cast):
    police = cast["police_liaison"]
    assert set(Loan.objects.for_user(police).values_list("loan_no", flat=True)) == {"LA003"}
    Membership.objects.filter(loan=loans["LA003"], code="lost_contact").delete()
    assert not Loan.objects.for_user(police).exists(), "the scope reads the stored rows, not the rosters"
    derived.refresh([loans["LA003"].pk], source="roster")
    assert set(Loan.objects.for_user(police).values_list("loan_no", flat=True)) == {"LA003"}


def test_a_settled_loan_keeps_its_row_but_leaves_the_scope_and_the_figures(loans, cast):
    loan = loans["LA003"]
    repay(loan, TODAY, "80000.00")
    assert Membership.objects.get(loan=loan, code="lost_contact").balance == Decimal("0.00")
    assert not Loan.objects.for_user(cast["police_liaison"]).exists()
    assert category_figures(Loan.objects.all(), TODAY, ["lost_contact"])["lost_contact"]["count"] == 0


@pytest.mark.parametrize("who", [None, "township_admin", "discipline_liaison", "branch_staff"])
def test_todays_figures_from_the_stored_rows_equal_the_engines(loans, cast, who, mortgage):
    user = cast[who] if who else None
    qs = Loan.objects.for_user(user) if user else Loan.objects.all()
    assert category_figures(qs, TODAY) == category_figures(qs, TODAY, stored_today=False)
    assert category_figures(qs, TODAY, stored_today=False)["large_mortgage"]["count"] == (0 if who == "discipline_liaison" else 1)
    assert category_figures(qs.filter(township=loans["LA001"].township), TODAY, ORDER[:3]) == category_figures(
        qs.filter(township=loans["LA001"].township), TODAY, ORDER[:3], stored_today=False
    )


def test_the_category_page_for_today_lists_the_stored_rows(loans, client_for):
    Membership.objects.filter(loan=loans["LB001"]).delete()  # a stale row: today's page shows what is stored
    page = client_for("district_admin").get("/categories/lost_contact/").content.decode()
    assert "LA003" in page and "LA001" not in page
    page = client_for("district_admin").get("/categories/public_servant/").content.decode()
    assert "LB001" not in page


@pytest.mark.derived_unchecked("the rows are corrupted on purpose to see the check find them")
def test_the_check_names_the_loan_and_code_of_a_corrupted_row(loans, capsys):
    call_command("derive", "--check", "--only", "memberships")
    assert "共 0 处差异" in capsys.readouterr().out
    la003, lb001 = loans["LA003"], loans["LB001"]
    Membership.objects.filter(loan=la003, code="lost_contact").update(balance=Decimal("1.00"))
    Membership.objects.filter(loan=lb001, code="public_servant").delete()
    found = {(d.loan_id, d.key) for d in derive.Memberships().differences(TODAY)}
    assert found == {(la003.pk, "lost_contact 余额"), (lb001.pk, "public_servant")}
    with pytest.raises(SystemExit) as stop:
        call_command("derive", "--check", "--only", "memberships")
    assert stop.value.code == 1
    out = capsys.readouterr().out
    assert f"贷款#{la003.pk} lost_contact 余额 存储为 Decimal('1.00')" in out
    assert f"贷款#{lb001.pk} public_servant 存储为 '不在该类'" in out
    call_command("derive", "--only", "memberships")
    assert "更新 2 行" in capsys.readouterr().out
    assert derived.check(only=["memberships"]).total == 0


@pytest.mark.derived_unchecked("the sweep at the end runs on tomorrow's date: today's check would see tomorrow's rows")
def test_after_midnight_before_the_sweep_todays_figures_are_computed_not_read_from_yesterdays_rows(loans):
    import time_machine

    from npl.categories.tests.conftest import on_roster

    loan = loans["LA001"]
    tomorrow = TODAY + dt.timedelta(days=1)
    on_roster(loan.borrower, "deceased", valid_to=tomorrow)  # on the roster until today only (valid_to: the day it ends)
    assert "deceased" in codes_of(loan) and stored.answers(TODAY)
    with time_machine.travel(dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, 0, 30,
                                         tzinfo=timezone.get_current_timezone()), tick=False):
        assert "deceased" in codes_of(loan)  # yesterday's row is still stored: the sweep has not run
        assert not stored.answers(tomorrow)
        computed = category_figures(Loan.objects.all(), tomorrow, ["deceased"], stored_today=False)
        assert category_figures(Loan.objects.all(), tomorrow, ["deceased"]) == computed
        assert "deceased" not in {code for code, _ in stored.loan_categories([loan.pk]).get(loan.pk, [])}
        derived.rebuild()  # the daily sweep
        assert stored.answers(tomorrow) and "deceased" not in codes_of(loan)
        assert category_figures(Loan.objects.all(), tomorrow, ["deceased"]) == computed


def test_a_fresh_databases_first_refresh_stores_every_loan_and_makes_the_rows_complete(loans):
    from npl.core.models import Setting

    Membership.objects.all().delete()
    Setting.objects.filter(key__startswith="derived_complete:").delete()
    assert not stored.answers(TODAY)
    derived.refresh([loans["LA001"].pk], only=["memberships"])  # e.g. the first import: every loan is computed
    assert stored.answers(TODAY)
    assert derived.check(only=["memberships"]).total == 0
