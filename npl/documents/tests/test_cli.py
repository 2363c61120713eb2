"""`npl doc KIND LOAN_NO --out PATH`: the format by the extension, Chinese errors with exit codes."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from npl.documents.models import GeneratedDocument
from npl.documents.render import docx_text
from npl.documents.tests.conftest import pdf_text


def run(*args):
    call_command("doc", *args)


def _exit_code(capsys, *args) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        run(*args)
    return stopped.value.code, capsys.readouterr().err


def test_doc_writes_a_word_notice_and_logs_it_without_a_user(loans, tmp_path, capsys):
    out = tmp_path / "notice.docx"
    run("notice", "LA001", "--out", str(out), "--as-of", "2026-04-30")
    assert "张三" in docx_text(out.read_bytes())
    assert "已生成催收通知书（1笔）" in capsys.readouterr().out
    row = GeneratedDocument.objects.get()
    assert (row.user, row.via, row.fmt, row.as_of) == (None, "cli", "docx", dt.date(2026, 4, 30))


def test_doc_writes_a_pdf_plain_sheet(loans, tmp_path):
    out = tmp_path / "sheet.PDF"
    run("plain-sheet", "LA003", "--out", str(out), "--as-of", "2026-04-30")
    assert "单丽" in pdf_text(out.read_bytes())


def test_doc_batch_for_a_township(loans, tmp_path):
    out = tmp_path / "town.docx"
    run("notice", "--township", "桃源乡", "--out", str(out), "--as-of", "2026-04-30")
    text = docx_text(out.read_bytes())
    assert "王五" in text and "LB002" in text
    assert GeneratedDocument.objects.get().scope == "桃源乡"


def test_doc_public_notice_for_the_district(loans, tmp_path):
    out = tmp_path / "gonggao.docx"
    run("public-notice", "--out", str(out), "--as-of", "2026-04-30")
    assert "单丽" in docx_text(out.read_bytes())


def test_an_unknown_kind_or_extension_is_exit_2(loans, tmp_path, capsys):
    code, err = _exit_code(capsys, "letter", "LA001", "--out", str(tmp_path / "x.pdf"))
    assert code == 2 and "未知的文书类型" in err
    code, err = _exit_code(capsys, "notice", "LA001", "--out", str(tmp_path / "x.txt"))
    assert code == 2 and ".docx 或 .pdf" in err
    assert not (tmp_path / "x.txt").exists()


def test_an_unknown_loan_or_a_missing_plan_is_exit_1(loans, tmp_path, capsys):
    code, err = _exit_code(capsys, "notice", "NOPE", "--out", str(tmp_path / "x.docx"))
    assert code == 1 and "借据号“NOPE”不存在" in err
    code, err = _exit_code(capsys, "agreement", "LA001", "--out", str(tmp_path / "x.docx"))
    assert code == 1 and "还款计划" in err
    assert not GeneratedDocument.objects.exists()


def test_an_unknown_township_is_exit_2(loans, tmp_path, capsys):
    code, err = _exit_code(capsys, "notice", "--township", "无名镇", "--out", str(tmp_path / "x.docx"))
    assert code == 2 and "乡镇“无名镇”不存在" in err


def test_the_notice_amount_follows_the_balance_on_the_day(loans, tmp_path):
    from npl.collection.models import Repayment
    from npl.loans.services import refresh_current

    Repayment.objects.create(txn_no="T1", loan=loans["LA001"], paid_on=dt.date(2026, 4, 15), principal=Decimal("10000.00"))
    refresh_current([loans["LA001"].pk])
    before, after = tmp_path / "before.docx", tmp_path / "after.docx"
    run("notice", "LA001", "--out", str(before), "--as-of", "2026-04-10")
    run("notice", "LA001", "--out", str(after), "--as-of", "2026-04-30")
    assert "尚欠借款本金人民币100,000.00元" in docx_text(before.read_bytes())
    assert "尚欠借款本金人民币90,000.00元（大写：玖万元整）" in docx_text(after.read_bytes())
