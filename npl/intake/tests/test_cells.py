"""Every value a row needs is checked before it is written (issue 13 point 6, issue 14 point 6).

The cases the fuzz test (test_fuzz.py) found or that issues named, each with a file built in the test.
"""
import datetime as dt
from decimal import Decimal

import pytest

from npl import testing
from npl.collection.models import CollectionAction
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_xlsx
from npl.loans.models import Borrower, Loan

pytestmark = pytest.mark.django_db

LONG_HEADER = [*LOAN_HEADER, "欠息", "客户经理"]


def refusals(report):
    return [(r["row"], r["reason"]) for r in report["refused"]]


def test_a_dash_for_the_interest_owed_is_none_owed_not_a_crash(tmp_path, npl_import, ids):
    path = write_xlsx(tmp_path / "l.xlsx", [LONG_HEADER, [*loan_row("L1", ids[0]), "-", ""]])
    code, report, err = npl_import("loans", path, "--create-units", "--as-of", "2026-03-31")
    assert code == 0, err
    assert Loan.objects.get(loan_no="L1").interest_on == Decimal("0.00")


@pytest.mark.parametrize("column, value", [("贷款余额", "-"), ("贷款金额", "—"), ("贷款余额", "元"), ("借款人", "\u200b"), ("担保方式", "\u202e")])
def test_a_required_cell_that_holds_nothing_but_looks_filled_is_refused_as_missing(tmp_path, npl_import, ids, column, value):
    row = loan_row("L1", ids[0])
    row[LOAN_HEADER.index(column)] = value
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "l.xlsx", [LOAN_HEADER, row]), "--create-units", "--as-of", "2026-03-31")
    assert code == 1
    assert refusals(report) == [(2, "missing_field")]
    assert column in report["refused"][0]["message"]
    assert not Loan.objects.exists()


def test_a_refused_row_on_a_reimport_leaves_the_known_loan_as_it_was(tmp_path, npl_import, ids):
    npl_import("loans", write_xlsx(tmp_path / "a.xlsx", [LOAN_HEADER, loan_row("L1", ids[0])]), "--create-units", "--as-of", "2026-03-31")
    row = loan_row("L1", ids[0])
    row[LOAN_HEADER.index("贷款余额")] = "-"
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "b.xlsx", [LOAN_HEADER, row]), "--skip-invalid", "--as-of", "2026-04-30")
    assert code == 0 and refusals(report) == [(2, "missing_field")]
    assert Loan.objects.get().principal_balance == Decimal("80000.00")


@pytest.mark.parametrize("column, model, field", [
    ("借款人", Borrower, "name"), ("担保方式", Loan, "guarantee"), ("借据号", Loan, "loan_no"), ("客户经理", Loan, "account_manager"),
])
def test_text_longer_than_its_field_refuses_the_row_naming_the_column_never_cut(tmp_path, npl_import, ids, column, model, field):
    limit = model._meta.get_field(field).max_length
    row = [*loan_row("L1", ids[0]), "0", "李四"]
    row[LONG_HEADER.index(column)] = "长" * (limit + 1)
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "l.xlsx", [LONG_HEADER, row]), "--create-units", "--as-of", "2026-03-31")
    assert code == 1
    assert refusals(report) == [(2, "invalid_value")]
    assert column in report["refused"][0]["message"] and str(limit) in report["refused"][0]["message"]
    assert not Loan.objects.exists() and not Borrower.objects.exists()


def test_text_exactly_as_long_as_its_field_is_kept_whole(tmp_path, npl_import, ids):
    limit = Loan._meta.get_field("guarantee").max_length
    row = loan_row("L1", ids[0], guarantee="抵" * limit)
    code, _, err = npl_import("loans", write_xlsx(tmp_path / "l.xlsx", [LOAN_HEADER, row]), "--create-units", "--as-of", "2026-03-31")
    assert code == 0, err
    assert Loan.objects.get().guarantee == "抵" * limit


def test_bidi_controls_and_invisible_characters_are_removed_from_imported_text(tmp_path, npl_import, ids):
    row = loan_row("L1", ids[0], name="\u202e三张\u202c", town="柳\u2066溪\u2069镇", guarantee="\u200b抵押\u202d+保证")
    code, _, err = npl_import("loans", write_xlsx(tmp_path / "l.xlsx", [LOAN_HEADER, row]), "--create-units", "--as-of", "2026-03-31")
    assert code == 0, err
    loan = Loan.objects.select_related("borrower", "township").get()
    assert (loan.borrower.name, loan.township.name, loan.guarantee) == ("三张", "柳溪镇", "抵押+保证")
    assert loan.has_mortgage


def test_bidi_controls_are_removed_from_the_ledger_text_too(tmp_path, npl_import):
    town, bank_branch = testing.township(), testing.branch()
    testing.loan("K1", testing.borrower(1), town, bank_branch)
    path = write_xlsx(tmp_path / "a.xlsx", [
        ["借据号", "催收日期", "催收方式", "签收情况", "催收人", "催收结果", "备注"],
        ["K1", "2026-04-02", "上门催收", "借款人签收", "王\u202e五", "承诺\u2067还款", "\u202a备注\u202c"],
    ])
    code, _, err = npl_import("actions", path)
    assert code == 0, err
    action = CollectionAction.objects.get()
    assert (action.collector_name, action.outcome, action.note) == ("王五", "承诺还款", "备注")


@pytest.mark.parametrize("value", [dt.date(9999, 12, 31), dt.date(1900, 1, 1), 1, 60, "9999-12-31", "1900-01-01"])
def test_placeholder_and_artefact_dates_are_refused_not_stored(tmp_path, npl_import, ids, value):
    row = loan_row("L1", ids[0])
    row[LOAN_HEADER.index("到期日期")] = value
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "l.xlsx", [LOAN_HEADER, row]), "--create-units", "--as-of", "2026-03-31")
    assert code == 1 and refusals(report) == [(2, "invalid_date")]
    assert "到期日期" in report["refused"][0]["message"]


def test_an_empty_repayment_principal_typed_as_a_dash_is_refused_as_missing(tmp_path, npl_import):
    town, bank_branch = testing.township(), testing.branch()
    testing.loan("K1", testing.borrower(1), town, bank_branch)
    path = write_xlsx(tmp_path / "r.xlsx", [["交易流水号", "借据号", "还款日期", "归还本金"], ["T1", "K1", "2026-04-01", "-"]])
    code, report, _ = npl_import("repayments", path)
    assert code == 1 and refusals(report) == [(2, "missing_field")]
    assert "归还本金" in report["refused"][0]["message"]
