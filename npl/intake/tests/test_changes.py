"""Re-import changes are shown before they are written (issue 13 point 7): per loan, field, old → new, flagged."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from npl.collection.models import Repayment
from npl.intake.models import ImportBatch
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_xlsx
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent

pytestmark = pytest.mark.django_db

NO_FLAGS = {"balance_rise": 0, "factor_100": 0, "moved_township": 0, "moved_branch": 0}


def first_import(tmp_path, npl_import, rows):
    code, _, err = npl_import("loans", write_xlsx(tmp_path / "first.xlsx", [LOAN_HEADER, *rows]), "--create-units", "--as-of", "2026-03-31")
    assert code == 0, err


def reimport(tmp_path, npl_import, rows, *more):
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "again.xlsx", [LOAN_HEADER, *rows]), "--create-units",
                                   "--as-of", "2026-04-30", *more)
    assert code == 0, err
    return report


def test_a_dry_run_reimport_lists_each_change_with_old_and_new_and_writes_nothing(tmp_path, npl_import, ids):
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0], balance="179281.97"), loan_row("L2", ids[1])])
    report = reimport(tmp_path, npl_import, [loan_row("L1", ids[0], balance="993516.07"), loan_row("L2", ids[1], guarantee="抵押")],
                      "--dry-run")
    assert report["changes"] == [
        {"row": 2, "key": "L1", "field": "balance", "label": "贷款余额", "old": "179281.97", "new": "993516.07", "flags": ["balance_rise"]},
        {"row": 3, "key": "L2", "field": "guarantee", "label": "担保方式", "old": "保证", "new": "抵押", "flags": []},
    ]
    assert report["change_flags"] == {**NO_FLAGS, "balance_rise": 1}
    assert report["updated"] == 2 and not report["written"]
    assert Loan.objects.get(loan_no="L1").principal_balance == Decimal("179281.97")


def test_a_figure_that_changes_a_hundredfold_either_way_is_flagged(tmp_path, npl_import, ids):
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0], amount="100000", balance="80000")])
    report = reimport(tmp_path, npl_import, [loan_row("L1", ids[0], amount="1000", balance="800")])
    by_field = {c["field"]: c for c in report["changes"]}
    assert by_field["balance"]["flags"] == ["factor_100"] and by_field["balance"]["new"] == "800.00"
    assert by_field["amount"]["flags"] == ["factor_100"]
    assert report["change_flags"] == {**NO_FLAGS, "factor_100": 2}


def test_a_balance_that_falls_by_less_than_a_hundredfold_is_listed_unflagged(tmp_path, npl_import, ids):
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0], balance="80000")])
    report = reimport(tmp_path, npl_import, [loan_row("L1", ids[0], balance="79000.5")])
    assert [(c["field"], c["old"], c["new"], c["flags"]) for c in report["changes"]] == [("balance", "80000.00", "79000.50", [])]
    assert report["change_flags"] == NO_FLAGS


def test_a_loan_moving_township_and_branch_is_flagged_with_both_names(tmp_path, npl_import, ids):
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0]), loan_row("L2", ids[1], town="桃源乡", branch="桃源支行")])
    report = reimport(tmp_path, npl_import, [loan_row("L1", ids[0], town="桃源乡", branch="桃源支行"), loan_row("L2", ids[1], town="桃源乡", branch="桃源支行")])
    assert [(c["field"], c["old"], c["new"], c["flags"]) for c in report["changes"]] == [
        ("township", "柳溪镇", "桃源乡", ["moved_township"]),
        ("branch", "柳溪支行", "桃源支行", ["moved_branch"]),
    ]
    assert report["change_flags"] == {**NO_FLAGS, "moved_township": 1, "moved_branch": 1}


def test_a_loan_moving_township_names_the_town_of_a_village_of_the_same_name(tmp_path, npl_import, ids):
    header = [*LOAN_HEADER, "村(社区)"]
    first = [header, loan_row("L1", ids[0]) + ["槐树村"]]
    code, _, err = npl_import("loans", write_xlsx(tmp_path / "first.xlsx", first), "--create-units", "--as-of", "2026-03-31")
    assert code == 0, err
    again = [header, loan_row("L1", ids[0], town="桃源乡", branch="柳溪支行") + ["槐树村"]]
    code, report, err = npl_import("loans", write_xlsx(tmp_path / "again.xlsx", again), "--create-units", "--as-of", "2026-04-30", "--dry-run")
    assert code == 0, err
    moves = {c["field"]: (c["old"], c["new"]) for c in report["changes"]}
    assert moves["township"] == ("柳溪镇", "桃源乡")
    assert moves["community"] == ("柳溪镇槐树村", "桃源乡槐树村")


def test_an_unchanged_reimport_has_no_changes(tmp_path, npl_import, ids):
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0])])
    report = reimport(tmp_path, npl_import, [loan_row("L1", ids[0])])
    assert report["changes"] == [] and report["change_flags"] == NO_FLAGS


def test_history_holds_amounts_as_money_with_two_places_even_after_repayments(tmp_path, npl_import, ids):
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0], balance="80000")])
    loan = Loan.objects.get()
    # 1000.07 is no exact float: SQLite's SUM of it reads back as 1000.07000000000.
    Repayment.objects.create(loan=loan, txn_no="T1", paid_on=dt.date(2026, 5, 10), principal=Decimal("1000.07"), confirmed=True)
    reimport(tmp_path, npl_import, [loan_row("L1", ids[0], balance="79000")])
    event = LoanEvent.objects.get(loan=loan, kind=EventKind.FIELD_CHANGED, field="principal_balance")
    assert (event.before, event.after) == ("80000.00", "77999.93")
    assert Loan.objects.get().principal_balance == Decimal("77999.93")


def test_the_preview_page_shows_changes_as_money_with_the_flagged_ones_first(tmp_path, npl_import, ids, client_for, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0], balance="80000"), loan_row("L2", ids[1], town="桃源乡", balance="179281.97")])
    client = client_for("district_admin")
    path = write_xlsx(tmp_path / "again.xlsx", [LOAN_HEADER, loan_row("L1", ids[0], balance="79000"),
                                                loan_row("L2", ids[1], town="桃源乡", balance="993516.07")])
    with open(path, "rb") as fh:
        response = client.post(reverse("intake:upload", args=["loans"]), {"file": fh, "as_of": "2026-04-30"})
    batch = ImportBatch.objects.latest("pk")
    page = client.get(response["Location"]).content.decode()
    assert batch.status == "preview"
    assert "将写入的变化（2 笔，2 项）" in page
    assert "179,281.97" in page and "993,516.07" in page and "80,000.00" in page and "79,000.00" in page
    assert "993516.07" not in page.replace("993,516.07", "")
    assert "余额上升" in page
    assert page.index("993,516.07") < page.index("79,000.00"), "the flagged change comes first"


def test_a_corrected_repayment_and_ledger_row_list_their_changes_in_chinese(tmp_path, npl_import, ids):
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0])])
    flow = [["交易流水号", "借据号", "还款日期", "归还本金", "还款方式"]]
    ledger = [["借据号", "催收日期", "催收方式", "签收情况"]]
    npl_import("repayments", write_xlsx(tmp_path / "r1.xlsx", [*flow, ["T1", "L1", "2026-04-01", "500", "现金"]]))
    npl_import("actions", write_xlsx(tmp_path / "a1.xlsx", [*ledger, ["L1", "2026-04-02", "上门催收", "未签收"]]))

    _, repaid, _ = npl_import("repayments", write_xlsx(tmp_path / "r2.xlsx", [*flow, ["T1", "L1", "2026-04-01", "50000", "转账"]]), "--dry-run")
    _, acted, _ = npl_import("actions", write_xlsx(tmp_path / "a2.xlsx", [*ledger, ["L1", "2026-04-02", "上门催收", "借款人签收"]]), "--dry-run")

    assert [(c["key"], c["label"], c["old"], c["new"], c["flags"]) for c in repaid["changes"]] == [
        ("T1", "归还本金", "500.00", "50000.00", ["factor_100"]),
        ("T1", "还款方式", "现金", "转账", []),
    ]
    assert repaid["change_flags"]["factor_100"] == 1
    assert [(c["label"], c["old"], c["new"]) for c in acted["changes"]] == [("签收情况", "未签收", "借款人签收")]


def test_a_loan_listed_under_another_type_and_a_case_moving_on_list_their_changes_by_label(tmp_path, npl_import, ids):
    first_import(tmp_path, npl_import, [loan_row("L1", ids[0])])
    listing = [["借据号", "类型"]]
    npl_import("loan-list", "impersonated_or_staff", write_xlsx(tmp_path / "i1.xlsx", [*listing, ["L1", "冒名顶替"]]), "--as-of", "2026-03-31")
    cases = [["借据号", "诉讼类型", "案号", "当前阶段"]]
    npl_import("litigation", write_xlsx(tmp_path / "c1.xlsx", [*cases, ["L1", "银行起诉借款人", "C1", "已立案"]]), "--as-of", "2026-03-31")

    _, listed, _ = npl_import("loan-list", "impersonated_or_staff", write_xlsx(tmp_path / "i2.xlsx", [*listing, ["L1", "职工借名"]]),
                              "--as-of", "2026-04-30", "--dry-run")
    _, sued, _ = npl_import("litigation", write_xlsx(tmp_path / "c2.xlsx", [*cases, ["L1", "银行起诉借款人", "C1", "已判决"]]),
                            "--as-of", "2026-04-30", "--dry-run")

    assert [(c["key"], c["label"], c["old"], c["new"]) for c in listed["changes"]] == [("L1", "类型", "冒名顶替", "农合行职工")]
    assert [(c["key"], c["label"], c["old"], c["new"]) for c in sued["changes"]] == [("L1|C1", "当前阶段", "已立案", "已判决")]
