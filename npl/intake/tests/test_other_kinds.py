"""Rosters, the impersonated/staff list, litigation, repayments and the collection ledger."""
import datetime as dt
from decimal import Decimal

import pytest

from npl.categories.models import LoanListEntry, RosterEntry, RosterPerson
from npl.collection.models import CollectionAction, Repayment
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_xlsx
from npl.litigation.models import LitigationCase
from npl.loans.models import Loan, LoanEvent

pytestmark = pytest.mark.django_db
ROSTER = ["序号", "姓名", "公民身份号码", "备注"]


@pytest.fixture
def two_loans(tmp_path, npl_import, ids):
    path = write_xlsx(tmp_path / "loans.xlsx", [LOAN_HEADER, loan_row("L1", ids[0], name="张三"), loan_row("L2", ids[1], name="李四"),
                                                loan_row("L3", ids[0], name="张三")])
    code, report, _ = npl_import("loans", path, "--create-units", "--as-of", "2026-03-31")
    assert code == 0
    return ids


def test_roster_matches_by_id_warns_on_other_name_and_keeps_non_borrowers(tmp_path, npl_import, two_loans):
    ids = two_loans
    path = write_xlsx(tmp_path / "r.xlsx", [["低保户花名册"], ROSTER, [1, "张 三", ids[0], ""], [2, "李肆", ids[1], ""], [3, "赵六", ids[50], ""]])
    code, report, _ = npl_import("roster", "dibao", path, "--as-of", "2026-03-31")
    assert code == 0 and report["created"] == 3
    assert [w["row"] for w in report["warnings"]] == [4]  # 李肆 vs 李四: matched, warned
    assert ids[1] not in str(report), "reports never carry a full ID number"
    assert RosterPerson.objects.count() == 3
    assert RosterEntry.objects.filter(kind="dibao", valid_to__isnull=True).count() == 3


def test_roster_person_not_yet_a_borrower_matches_a_later_loan_import(tmp_path, npl_import, ids):
    npl_import("roster", "deceased", write_xlsx(tmp_path / "r.xlsx", [ROSTER, [1, "赵六", ids[5], ""]]), "--as-of", "2026-01-01")
    npl_import("loans", write_xlsx(tmp_path / "l.xlsx", [LOAN_HEADER, loan_row("L9", ids[5], name="赵六")]), "--create-units", "--as-of", "2026-03-31")
    from npl.categories.engine import loan_ids_in

    assert list(Loan.objects.filter(pk__in=loan_ids_in("deceased", dt.date(2026, 3, 31))).values_list("loan_no", flat=True)) == ["L9"]


def test_a_later_roster_ends_dropped_people_and_keeps_history(tmp_path, npl_import, ids):
    first = write_xlsx(tmp_path / "a.xlsx", [ROSTER, [1, "甲", ids[0], ""], [2, "乙", ids[1], ""]])
    second = write_xlsx(tmp_path / "b.xlsx", [ROSTER, [1, "甲", ids[0], ""], [2, "丙", ids[2], ""]])
    npl_import("roster", "lost_contact", first, "--as-of", "2026-03-31")
    code, report, _ = npl_import("roster", "lost_contact", second, "--as-of", "2026-06-30")
    assert (report["created"], report["unchanged"]) == (1, 1)
    entries = {e.name: (e.valid_from, e.valid_to) for e in RosterEntry.objects.all()}
    assert entries == {"甲": (dt.date(2026, 3, 31), None), "乙": (dt.date(2026, 3, 31), dt.date(2026, 6, 30)),
                       "丙": (dt.date(2026, 6, 30), None)}
    # The same file again: nothing new.
    code, report, _ = npl_import("roster", "lost_contact", second, "--as-of", "2026-06-30")
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    assert RosterEntry.objects.count() == 3


def test_roster_invalid_id_refused_with_masked_key(tmp_path, npl_import, ids):
    bad = ids[0][:17] + ("0" if ids[0][17] != "0" else "1")
    path = write_xlsx(tmp_path / "r.xlsx", [ROSTER, [1, "甲", bad, ""], [2, "乙", ids[1], ""]])
    code, report, _ = npl_import("roster", "poverty", path, "--skip-invalid")
    assert code == 0 and report["refused"][0]["reason"] == "invalid_id_number"
    assert report["refused"][0]["key"] == bad[:3] + "*" * 11 + bad[-4:]


def test_township_scoped_roster_leaves_district_roster_alone(tmp_path, npl_import, two_loans):
    ids = two_loans
    npl_import("roster", "dibao", write_xlsx(tmp_path / "d.xlsx", [ROSTER, [1, "张三", ids[0], ""]]), "--as-of", "2026-03-31")
    npl_import("roster", "dibao", write_xlsx(tmp_path / "t.xlsx", [ROSTER, [1, "李四", ids[1], ""]]), "--as-of", "2026-04-30", "--township", "柳溪镇")
    assert RosterEntry.objects.filter(township__isnull=True, valid_to__isnull=True).count() == 1
    assert RosterEntry.objects.filter(township__name="柳溪镇", valid_to__isnull=True).count() == 1


def test_loan_list_types_unknown_loan_and_replacement(tmp_path, npl_import, two_loans):
    header = ["借据号", "借款人", "类型"]
    path = write_xlsx(tmp_path / "i.xlsx", [header, ["L1", "张三", "冒名顶替"], ["L2", "李四", "职工借名"], ["NOPE", "", "冒名顶替"], ["L3", "", "其他"]])
    code, report, _ = npl_import("loan-list", "impersonated_or_staff", path, "--as-of", "2026-03-31", "--skip-invalid")
    assert [(r["row"], r["reason"]) for r in report["refused"]] == [(4, "unknown_loan"), (5, "invalid_value")]
    assert dict(LoanListEntry.objects.values_list("loan__loan_no", "subcategory")) == {"L1": "impersonated", "L2": "bank_staff"}
    later = write_xlsx(tmp_path / "j.xlsx", [header, ["L2", "", "冒名顶替"]])
    npl_import("loan-list", "impersonated_or_staff", later, "--as-of", "2026-06-30")
    open_now = dict(LoanListEntry.objects.filter(valid_to__isnull=True).values_list("loan__loan_no", "subcategory"))
    assert open_now == {"L2": "impersonated"}
    assert LoanListEntry.objects.count() == 3


def test_litigation_cases_keyed_by_loan_and_case_number(tmp_path, npl_import, two_loans):
    header = ["借据号", "诉讼类型", "案号", "受理法院", "起诉日期", "立案日期", "判决日期", "执行案号", "当前阶段"]
    rows = [header,
            ["L1", "银行起诉借款人", "(2025)陕0521民初1号", "某法院", dt.date(2025, 4, 1), "2025-04-08", "", "", "已立案"],
            ["L2", "借款人起诉银行", "(2025)陕0521民初2号", "", "", "", "", "", ""],
            ["L9", "银行起诉借款人", "(2025)陕0521民初3号", "", "", "", "", "", ""],
            ["L1", "法院起诉", "(2025)陕0521民初4号", "", "", "", "", "", ""]]
    code, report, _ = npl_import("litigation", write_xlsx(tmp_path / "c.xlsx", rows), "--as-of", "2026-03-31", "--skip-invalid")
    assert [(r["row"], r["reason"]) for r in report["refused"]] == [(4, "unknown_loan"), (5, "invalid_value")]
    c1 = LitigationCase.objects.get(case_no="(2025)陕0521民初1号")
    assert (c1.direction, c1.stage, c1.counted_from) == ("bank_sued_borrower", "accepted", dt.date(2025, 4, 1))
    c2 = LitigationCase.objects.get(case_no="(2025)陕0521民初2号")
    assert c2.counted_from == dt.date(2026, 3, 31), "without 起诉日期 the case counts from the as-of day"
    rows[1][6] = "2025-09-01"
    rows[1][8] = "已判决"
    code, report, _ = npl_import("litigation", write_xlsx(tmp_path / "d.xlsx", rows[:3]), "--as-of", "2026-03-31")
    assert (report["updated"], report["unchanged"]) == (1, 1)
    c1.refresh_from_db()
    assert c1.stage == "judged" and c1.judgment_on == dt.date(2025, 9, 1)
    assert set(c1.stages.values_list("stage", flat=True)) == {"filed", "accepted", "judged"}


def test_repayments_lower_the_balance_after_the_snapshot_only(tmp_path, npl_import, two_loans):
    header = ["交易流水号", "借据号", "还款日期", "归还本金", "归还利息", "还款方式"]
    rows = [header,
            ["T1", "L1", "2026-03-01", "5000", "100", "现金"],      # before the snapshot: already inside it
            ["T2", "L1", "2026-04-15", "10000", "200.5", "借新还旧"],
            ["T3", "NOPE", "2026-04-15", "1", "0", "现金"],
            ["T4", "L2", "2026-04-15", "80000", "0", "法院执行"],
            ["T5", "L2", "2026-04-16", "1", "0", "刷脸支付"]]
    code, report, _ = npl_import("repayments", write_xlsx(tmp_path / "p.xlsx", rows), "--skip-invalid")
    assert [(r["row"], r["reason"]) for r in report["refused"]] == [(4, "unknown_loan"), (6, "invalid_value")]
    l1, l2 = Loan.objects.get(loan_no="L1"), Loan.objects.get(loan_no="L2")
    assert l1.principal_balance == Decimal("70000.00") and l1.status == "partly_repaid"
    assert l2.principal_balance == Decimal("0.00") and l2.status == "settled"
    assert Repayment.objects.get(txn_no="T2").channel == "refinance"
    code, again, _ = npl_import("repayments", write_xlsx(tmp_path / "p.xlsx", rows), "--skip-invalid")
    assert (again["created"], again["unchanged"]) == (0, 3)
    l1.refresh_from_db()
    assert l1.principal_balance == Decimal("70000.00")


def test_collection_ledger_key_and_codes(tmp_path, npl_import, two_loans):
    header = ["借据号", "催收日期", "催收方式", "签收情况", "催收人", "承诺还款日期", "承诺还款金额"]
    rows = [header,
            ["L1", "2026-04-01", "上门催收", "借款人签收", "王干部", "2026-05-01", "5000"],
            ["L1", "2026-04-01", "上门催收", "借款人签收", "王干部", "2026-05-01", "5000"],
            ["L1", "2026-04-02", "登报公告", "未签收", "", "", ""],
            ["L2", "2026-04-03", "飞鸽传书", "拒签", "", "", ""],
            ["L2", "2026-04-03", "电话催收", "没接", "", "", ""]]
    code, report, _ = npl_import("actions", write_xlsx(tmp_path / "a.xlsx", rows), "--skip-invalid")
    assert report["created"] == 2 and report["duplicates"] == [{"row": 3, "key": "L1|2026-04-01|visit"}]
    assert [r["reason"] for r in report["refused"]] == ["invalid_value", "invalid_value"]
    a = CollectionAction.objects.get(method="visit")
    assert (a.signature, a.promise_amount, a.collector_name) == ("borrower", Decimal("5000.00"), "王干部")
    # The loan's history says each action in words: its method and how it was received, as their labels.
    notes = set(LoanEvent.objects.filter(kind="action", field="action").values_list("note", flat=True))
    assert notes == {"上门催收（借款人签收）", "登报公告（未签收）"}


def test_a_litigation_file_never_moves_a_case_back(tmp_path, npl_import, two_loans):
    header = ["借据号", "诉讼类型", "案号", "起诉日期", "当前阶段"]
    first = [header, ["L1", "银行起诉借款人", "(2025)民初9号", "2025-04-01", "已立案"]]
    npl_import("litigation", write_xlsx(tmp_path / "a.xlsx", first), "--as-of", "2026-03-31")
    case = LitigationCase.objects.get()
    case.stage = "enforcing"  # the court liaison moved it on the platform
    case.save()
    code, report, _ = npl_import("litigation", write_xlsx(tmp_path / "a.xlsx", first), "--as-of", "2026-04-30")
    case.refresh_from_db()
    assert case.stage == "enforcing" and report["unchanged"] == 1
    assert "已保留系统中的阶段" in report["warnings"][0]["message"]
    later = [header, ["L1", "银行起诉借款人", "(2025)民初9号", "2025-04-01", "终结本次执行"]]
    code, report, _ = npl_import("litigation", write_xlsx(tmp_path / "b.xlsx", later), "--as-of", "2026-05-31")
    case.refresh_from_db()
    assert case.stage == "terminated_round" and report["updated"] == 1
    # The file gives no date for 终本: no stage row is invented (the court's dates guard later moves).
    assert not case.stages.filter(stage="terminated_round").exists()


def test_a_loans_repayments_in_several_chunks_move_its_balance_once(tmp_path, npl_import, two_loans, monkeypatch):
    """A bank's flow is in date order, so one loan's repayments fall in different chunks of the file: its balance is
    computed once, after the last, from all of them, and its history shows one balance change for the file."""
    from npl.intake.importers import base

    monkeypatch.setattr(base, "CHUNK", 1)  # every row its own chunk
    header = ["交易流水号", "借据号", "还款日期", "归还本金", "归还利息", "还款方式"]
    rows = [header,
            ["T1", "L1", "2026-04-10", "10000", "0", "现金"],
            ["T2", "L2", "2026-04-11", "1000", "0", "现金"],
            ["T3", "L1", "2026-04-12", "20000", "0", "现金"]]
    code, report, _ = npl_import("repayments", write_xlsx(tmp_path / "p.xlsx", rows))
    assert (code, report["created"]) == (0, 3)
    l1 = Loan.objects.get(loan_no="L1")
    assert l1.principal_balance == Decimal("50000.00") and l1.last_repaid_on == dt.date(2026, 4, 12)
    changes = LoanEvent.objects.filter(loan=l1, field="principal_balance").values_list("before", "after")
    assert list(changes) == [("80000.00", "50000.00")]
