"""`npl import loans`: row outcomes, tolerances and history, as INTAKE.md states them."""
import datetime as dt
from decimal import Decimal

import pytest

from npl.core import crypto
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_csv, write_xls, write_xlsx
from npl.loans.models import Borrower, Loan, LoanEvent, LoanSnapshot
from npl.org.models import Branch, Township

pytestmark = pytest.mark.django_db


def accounted(report):
    return report["created"] + report["updated"] + report["unchanged"] + len(report["refused"]) + len(report["duplicates"])


def test_sample_bank_list_reports_the_expected_refusals(npl_import):
    code, report, _ = npl_import("loans", "/work/shared/samples/loans.xlsx", "--as-of", "2026-03-31", "--create-units", "--skip-invalid")
    assert code == 0
    assert report["created"] == 423
    assert [(r["row"], r["key"], r["reason"]) for r in report["refused"]] == [
        (424, "8103070000158", "conflicting_duplicate"),
        (430, "9900000425", "invalid_id_number"),
        (431, "9900000426", "invalid_id_number"),
        (432, None, "missing_field"),
        (433, "9900000428", "invalid_amount"),
        (434, "8103070000158", "conflicting_duplicate"),
    ]
    assert len(report["duplicates"]) == 1
    assert report["rows_read"] == accounted(report) == 430
    assert "序号" in report["unknown_columns"]


def test_title_rows_stat_date_and_total_row(tmp_path, npl_import, ids):
    path = write_xlsx(tmp_path / "l.xlsx", [
        ["某区农合行不良贷款明细表"],
        ["统计日期：2026年03月31日", None, None, "单位：元"],
        LOAN_HEADER,
        loan_row("L1", ids[0]),
        [],
        loan_row("L2", ids[1]),
        ["合计", None, None, None, None, "200000", "160000"],
    ])
    code, report, _ = npl_import("loans", path, "--create-units")
    assert code == 0
    assert report["as_of"] == "2026-03-31"
    assert report["rows_read"] == 2 and report["created"] == 2
    assert LoanSnapshot.objects.filter(as_of=dt.date(2026, 3, 31)).count() == 2


def test_header_synonyms_brackets_full_width_and_spaces(tmp_path, npl_import, ids):
    header = ["借据编号", "客户名称", "公民身份号码", "所属乡镇", "经办机构", "合同金额", "本金 余额", "放款日期", "到期日", "担保类型", "村（社区）"]
    row = ["L1", "张三", ids[0], "柳溪镇", "柳溪支行", "1000", "900", "2020-01-01", "2021-01-01", "抵押+保证", "东村"]
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "s.xlsx", [header, row]), "--create-units", "--as-of", "2026-03-31")
    assert code == 0 and report["created"] == 1
    loan = Loan.objects.get()
    assert loan.has_mortgage and loan.community.name == "东村"


@pytest.mark.parametrize("text,expected", [
    ("2019-03-15", dt.date(2019, 3, 15)),
    ("2019/3/15", dt.date(2019, 3, 15)),
    ("2019.03.15", dt.date(2019, 3, 15)),
    ("20190315", dt.date(2019, 3, 15)),
    ("2019年3月15日", dt.date(2019, 3, 15)),
    (dt.date(2019, 3, 15), dt.date(2019, 3, 15)),
    (20190315, dt.date(2019, 3, 15)),
])
def test_every_listed_date_form_is_read(tmp_path, npl_import, ids, text, expected):
    path = write_xlsx(tmp_path / "d.xlsx", [LOAN_HEADER, loan_row("L1", ids[0], issue=text, maturity="2030-01-01")])
    code, report, _ = npl_import("loans", path, "--create-units", "--as-of", "2026-03-31")
    assert code == 0, report["refused"]
    assert Loan.objects.get().issue_date == expected


def test_amount_forms_thousands_full_width_and_yuan_suffix(tmp_path, npl_import, ids):
    rows = [LOAN_HEADER,
            loan_row("L1", ids[0], amount="1,234,567.80", balance="１２３４５.６"),
            loan_row("L2", ids[1], amount="50000元", balance=12345.67)]
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "a.xlsx", rows), "--create-units", "--as-of", "2026-03-31")
    assert code == 0, report["refused"]
    l1, l2 = Loan.objects.order_by("loan_no")
    assert (l1.amount, l1.principal_balance) == (Decimal("1234567.80"), Decimal("12345.60"))
    assert (l2.amount, l2.principal_balance) == (Decimal("50000.00"), Decimal("12345.67"))


def test_id_number_forms_15_digits_full_width_lower_x_spaces(tmp_path, npl_import):
    from npl.core.idnumber import convert15, normalize

    fifteen = "610431720315123"  # 1972-03-15, converted to its 18-digit form
    eighteen = convert15(fifteen)
    x_id = next(i for i in (__import__("npl.testing", fromlist=["valid_id"]).valid_id(s) for s in range(500)) if i.endswith("X"))
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in "610431198410315096")
    rows = [LOAN_HEADER,
            loan_row("L1", fifteen),
            loan_row("L2", x_id.lower()),
            loan_row("L3", " ".join([x_id[:6], x_id[6:14], x_id[14:]]).replace(x_id, x_id), name="李四"),
            loan_row("L4", full_width, name="王五")]
    rows[3][2] = x_id[:6] + " " + x_id[6:14] + " " + x_id[14:]
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "i.xlsx", rows), "--create-units", "--as-of", "2026-03-31")
    assert code == 0, report["refused"]
    assert Borrower.objects.with_id(eighteen).exists()
    assert Loan.objects.get(loan_no="L2").borrower == Loan.objects.get(loan_no="L3").borrower
    assert Borrower.objects.with_id(normalize("610431198410315096")).exists()
    # The second loan of the same ID under another name is matched, and warned about.
    assert any(w["key"] == "L3" and "姓名不同" in w["message"] for w in report["warnings"])


@pytest.mark.parametrize("field,value,reason", [
    ("id", 610431198410315096, "invalid_id_number"),      # a number cell: Excel lost digits
    ("id", "610431198410315097", "invalid_id_number"),    # wrong check digit
    ("id", "610431198413315096", "invalid_id_number"),    # month 13
    ("loan_no", "", "missing_field"),
    ("balance", "-1", "invalid_amount"),
    ("balance", "abc", "invalid_amount"),
    ("balance", "1.234", "invalid_amount"),
    ("issue", "2019-02-30", "invalid_date"),
    ("issue", "上个月", "invalid_date"),
    ("guarantee", "", "missing_field"),
])
def test_each_refusal_reason_names_row_and_key(tmp_path, npl_import, ids, field, value, reason):
    row = loan_row("L9", ids[0])
    row[{"id": 2, "loan_no": 0, "balance": 6, "issue": 7, "guarantee": 9}[field]] = value
    path = write_xlsx(tmp_path / "r.xlsx", [LOAN_HEADER, loan_row("L1", ids[1]), row])
    code, report, _ = npl_import("loans", path, "--create-units", "--as-of", "2026-03-31")
    assert code == 1 and report["written"] is False
    assert [(r["row"], r["reason"]) for r in report["refused"]] == [(3, reason)]
    assert report["refused"][0]["key"] == (None if field == "loan_no" else "L9")
    assert report["refused"][0]["message"]  # a Chinese sentence
    assert not Loan.objects.exists(), "all or nothing without --skip-invalid"
    assert report["created"] == 1 and accounted(report) == report["rows_read"]


def test_invalid_five_level_class_is_invalid_value(tmp_path, npl_import, ids):
    header = LOAN_HEADER + ["五级分类"]
    path = write_xlsx(tmp_path / "c.xlsx", [header, loan_row("L1", ids[0]) + ["很差"]])
    code, report, _ = npl_import("loans", path, "--create-units", "--as-of", "2026-03-31")
    assert report["refused"][0]["reason"] == "invalid_value"


def test_unknown_unit_without_create_units(tmp_path, npl_import, ids):
    Township.objects.create(district_id=__import__("npl.org.models", fromlist=["District"]).District.current().pk, name="柳溪镇")
    path = write_xlsx(tmp_path / "u.xlsx", [LOAN_HEADER, loan_row("L1", ids[0], branch="不存在支行")])
    code, report, _ = npl_import("loans", path, "--as-of", "2026-03-31")
    assert code == 1
    assert report["refused"][0]["reason"] == "unknown_unit" and "不存在支行" in report["refused"][0]["message"]
    code, report, _ = npl_import("loans", path, "--as-of", "2026-03-31", "--create-units")
    assert code == 0 and Branch.objects.filter(name="不存在支行", townships__name="柳溪镇").exists()


def test_identical_duplicates_kept_once_conflicting_all_refused(tmp_path, npl_import, ids):
    same = loan_row("L1", ids[0])
    rows = [LOAN_HEADER, same, list(same), loan_row("L2", ids[1]), loan_row("L2", ids[1], balance="70000"), loan_row("L3", ids[2])]
    code, report, _ = npl_import("loans", write_xlsx(tmp_path / "dup.xlsx", rows), "--create-units", "--skip-invalid", "--as-of", "2026-03-31")
    assert code == 0
    assert report["duplicates"] == [{"row": 3, "key": "L1"}]
    assert [(r["row"], r["reason"]) for r in report["refused"]] == [(4, "conflicting_duplicate"), (5, "conflicting_duplicate")]
    assert set(Loan.objects.values_list("loan_no", flat=True)) == {"L1", "L3"}
    assert report["rows_read"] == 5 == accounted(report)


def test_dry_run_reports_counts_and_writes_nothing(tmp_path, npl_import, ids):
    path = write_xlsx(tmp_path / "x.xlsx", [LOAN_HEADER, loan_row("L1", ids[0])])
    code, report, _ = npl_import("loans", path, "--create-units", "--dry-run", "--as-of", "2026-03-31")
    assert code == 0 and report["created"] == 1 and report["written"] is False
    assert not Loan.objects.exists() and not Township.objects.exists()


def test_same_file_twice_changes_nothing(tmp_path, npl_import, ids):
    path = write_xlsx(tmp_path / "x.xlsx", [LOAN_HEADER, loan_row("L1", ids[0]), loan_row("L2", ids[1])])
    npl_import("loans", path, "--create-units", "--as-of", "2026-03-31")
    events = LoanEvent.objects.count()
    code, report, _ = npl_import("loans", path, "--create-units", "--as-of", "2026-03-31")
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    assert LoanEvent.objects.count() == events and Loan.objects.count() == 2 and LoanSnapshot.objects.count() == 2


def test_later_file_updates_known_loans_and_records_each_change(tmp_path, npl_import, ids):
    npl_import("loans", write_xlsx(tmp_path / "a.xlsx", [LOAN_HEADER, loan_row("L1", ids[0])]), "--create-units", "--as-of", "2026-03-31")
    later = write_xlsx(tmp_path / "b.xlsx", [LOAN_HEADER, loan_row("L1", ids[0], balance="75000", guarantee="抵押")])
    code, report, _ = npl_import("loans", later, "--create-units", "--as-of", "2026-06-30")
    assert report["updated"] == 1
    loan = Loan.objects.get()
    assert loan.principal_balance == Decimal("75000.00") and loan.has_mortgage and loan.snapshot_date == dt.date(2026, 6, 30)
    changes = {e.field: (e.before, e.after) for e in loan.events.filter(kind="field_changed")}
    assert changes["principal_balance"] == ("80000.00", "75000.00")
    assert changes["guarantee"] == ("保证", "抵押")
    assert all(e.batch_id == report["batch"] for e in loan.events.filter(kind="field_changed"))
    assert list(loan.snapshots.order_by("as_of").values_list("principal_balance", flat=True)) == [Decimal("80000.00"), Decimal("75000.00")]


def test_no_id_number_or_phone_in_plain_text(tmp_path, npl_import, ids):
    from django.db import connection

    header = LOAN_HEADER + ["联系电话"]
    npl_import("loans", write_xlsx(tmp_path / "p.xlsx", [header, loan_row("L1", ids[0]) + ["13912345678"]]), "--create-units", "--as-of", "2026-03-31")
    with connection.cursor() as cur:
        cur.execute("SELECT id_cipher, phone_cipher, id_masked, phone_masked FROM loans_borrower")
        row = cur.fetchone()
    assert ids[0] not in " ".join(row) and "13912345678" not in " ".join(row)
    b = Borrower.objects.get()
    assert b.reveal_id() == ids[0] and b.reveal_phone() == "13912345678" and b.id_hash == crypto.keyed_hash(ids[0])


def test_gb18030_and_bom_csv_and_xls_read_alike(tmp_path, npl_import, ids):
    rows = [LOAN_HEADER, loan_row("L1", ids[0], name="欧阳娜娜"), loan_row("L2", ids[1], name="單麗")]
    for i, (name, writer) in enumerate([
        ("gb.csv", lambda p: write_csv(p, rows, "gb18030")),
        ("bom.csv", lambda p: write_csv(p, rows, "utf-8-sig")),
        ("plain.csv", lambda p: write_csv(p, rows, "utf-8")),
        ("old.xls", lambda p: write_xls(p, rows)),
    ]):
        path = writer(tmp_path / name)
        code, report, err = npl_import("loans", path, "--create-units", "--as-of", f"2026-0{i + 1}-28")
        assert code == 0, (name, err, report)
        assert (report["created"] + report["updated"] + report["unchanged"]) == 2
    assert set(Borrower.objects.values_list("name", flat=True)) == {"欧阳娜娜", "單麗"}


def test_unusable_files_exit_2_with_a_chinese_message(tmp_path, npl_import, ids):
    missing_col = write_xlsx(tmp_path / "m.xlsx", [LOAN_HEADER[:-1], loan_row("L1", ids[0])[:-1]])
    code, report, err = npl_import("loans", missing_col, "--as-of", "2026-03-31")
    assert code == 2 and report is None and "担保方式" in err
    garbage = tmp_path / "g.xlsx"
    garbage.write_bytes(b"not a spreadsheet")
    code, _, err = npl_import("loans", garbage)
    assert code == 2 and "无法打开" in err
    code, _, err = npl_import("loans", tmp_path / "nope.xlsx")
    assert code == 2 and "不存在" in err
    code, _, err = npl_import("loans", write_xlsx(tmp_path / "ok.xlsx", [LOAN_HEADER]), "--as-of", "31/03/2026")
    assert code == 2 and "--as-of" in err


def stats_rows() -> int:
    """How many loans the planner's statistics say there are (-1: none gathered)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'loans_loan'")
            return int(cursor.fetchone()[0])
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return -1
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'loans_loan' AND idx IS NULL OR tbl = 'loans_loan' LIMIT 1")
        row = cursor.fetchone()
        return int(row[0].split()[0]) if row else -1


def _statistics_of_an_empty_loans_table():
    """On PostgreSQL an earlier test's ANALYZE, rolled back with it, leaves its row count in pg_class (ANALYZE writes
    it in place): count the empty table first, so that what follows is measured from there."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE loans_loan")


def test_a_large_import_refreshes_the_planners_statistics(tmp_path, npl_import, ids, settings):
    """After a bulk load the planner must not go on believing the tables are empty (core.bulk). On PostgreSQL a
    table is analysed again once more than 50 rows plus a tenth of those counted changed (the autovacuum rule)."""
    settings.NPL_ANALYZE_AFTER_ROWS = 3
    _statistics_of_an_empty_loans_table()
    small = write_xlsx(tmp_path / "small.xlsx", [LOAN_HEADER, loan_row("L1", ids[0]), loan_row("L2", ids[1])])
    assert npl_import("loans", small, "--create-units")[0] == 0
    assert stats_rows() != Loan.objects.count()  # 2 rows: below the bound, no ANALYZE
    large = write_xlsx(tmp_path / "large.xlsx", [LOAN_HEADER, *(loan_row(f"M{i}", ids[2 + i]) for i in range(60))])
    assert npl_import("loans", large, "--create-units")[0] == 0
    assert stats_rows() == Loan.objects.count() == 62


def test_a_large_imports_derived_rows_are_computed_on_statistics_that_count_its_loans(tmp_path, npl_import, ids, settings, monkeypatch):
    # The derivers query what the import just wrote, chunk by chunk: on a first load's empty statistics SQLite read
    # every clock row of the day for each chunk of loans (the day's index instead of the loan's).
    from npl.intake.importers.loans import LoansImporter

    settings.NPL_ANALYZE_AFTER_ROWS = 3
    _statistics_of_an_empty_loans_table()
    seen = []
    real = LoansImporter.refresh_derived
    monkeypatch.setattr(LoansImporter, "refresh_derived", lambda self: (seen.append(stats_rows()), real(self))[1])
    large = write_xlsx(tmp_path / "large.xlsx", [LOAN_HEADER, *(loan_row(f"M{i}", ids[i]) for i in range(60))])
    assert npl_import("loans", large, "--create-units")[0] == 0
    assert seen == [60]
    small = write_xlsx(tmp_path / "small.xlsx", [LOAN_HEADER, *(loan_row(f"N{i}", ids[60 + i]) for i in range(2))])
    assert npl_import("loans", small, "--create-units")[0] == 0
    assert seen == [60, 60]  # 2 rows: below the bound, the statistics are not gathered again


def test_the_statistics_refresh_locks_no_catalog_shared_with_other_databases():
    # A bare ANALYZE inside an import's transaction held pg_database and pg_authid to its end: another database's
    # ANALYZE waited behind a demo's load.
    from django.db import connection, transaction

    from npl.core.bulk import refresh_planner_statistics

    if connection.vendor != "postgresql":
        pytest.skip("shared catalogs are PostgreSQL's")
    with transaction.atomic(), connection.cursor() as cursor:
        refresh_planner_statistics()
        cursor.execute("SELECT relation::regclass::text FROM pg_locks WHERE pid = pg_backend_pid() AND relation IN "
                       "('pg_database'::regclass, 'pg_authid'::regclass)")
        assert cursor.fetchall() == []
        cursor.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'loans_loan'")
        assert cursor.fetchone() == (True,)
