"""A re-import recognises the rows the last import wrote, unchanged since, before any per-row work (issue 16
point 4): they are not parsed, yet the report is exactly what reading them in full gives."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from npl.collection.models import Repayment
from npl.core import bulk, derived
from npl.intake.importers.base import Context, Pipeline
from npl.intake.importers.loans import LoansImporter
from npl.intake.models import ImportBatch, RowDigest
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_xlsx
from npl.loans.models import Loan

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 31)


class Counting(LoansImporter):
    """The loans importer, counting the rows it parses."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.parsed = []

    def parse(self, raw):
        self.parsed.append(raw["loan_no"])
        return super().parse(raw)


class Full(LoansImporter):
    """The loans importer reading every row in full: what the report must be."""

    skips_unchanged = False


def run(path, importer=Counting, *, as_of=AS_OF, skip_invalid=False, dry_run=False, district=None):
    """One import through the pipeline (as run_import runs it); returns (report, importer)."""
    batch = ImportBatch.objects.create(kind="loans", file_name=path.name, sha256="", as_of=as_of)
    imp = importer(Context(batch=batch, as_of=as_of, create_units=True, district=district))
    pipeline = Pipeline(imp, path)
    report = pipeline.run(pipeline.header(), skip_invalid=skip_invalid, dry_run=dry_run)
    return report, imp


def sheet(tmp_path, name, rows, header=LOAN_HEADER, above=()):
    return write_xlsx(tmp_path / name, [*above, header, *rows])


def three(ids, **l2):
    return [loan_row("L1", ids[0]), loan_row("L2", ids[1], **l2), loan_row("L3", ids[2], balance="60000.5")]


def test_an_unchanged_row_is_not_parsed_and_is_counted_unchanged(tmp_path, ids):
    path = sheet(tmp_path, "loans.xlsx", three(ids))
    first, imp = run(path)
    assert first["created"] == 3 and imp.parsed == ["L1", "L2", "L3"]
    assert RowDigest.objects.filter(kind="loans").count() == 3

    again, imp = run(path)
    assert imp.parsed == []
    assert (again["rows_read"], again["created"], again["updated"], again["unchanged"]) == (3, 0, 0, 3)
    full, _ = run(path, Full)
    assert again == full


def test_a_row_whose_one_cell_changed_is_read_in_full_and_its_change_reported(tmp_path, ids):
    run(sheet(tmp_path, "first.xlsx", three(ids)))
    changed = sheet(tmp_path, "changed.xlsx", three(ids, balance="79000.5"))
    report, imp = run(changed)
    assert imp.parsed == ["L2"]
    assert (report["updated"], report["unchanged"]) == (1, 2)
    assert [(c["key"], c["field"], c["old"], c["new"]) for c in report["changes"]] == [("L2", "balance", "80000.00", "79000.50")]
    assert Loan.objects.get(loan_no="L2").principal_balance == 79000.5

    # The changed row is now the one on record: the same file again reads nothing.
    report, imp = run(changed)
    assert imp.parsed == [] and report["unchanged"] == 3 and report["changes"] == []


def test_the_same_numbers_under_a_wan_header_are_other_figures_not_an_unchanged_row(tmp_path, ids):
    rows = [loan_row("L1", ids[0], amount="5000", balance="4000"), loan_row("L2", ids[1], amount="6000", balance="3000")]
    run(sheet(tmp_path, "yuan.xlsx", rows))
    wan_header = list(LOAN_HEADER)
    wan_header[5], wan_header[6] = "贷款金额（万元）", "贷款余额（万元）"
    report, imp = run(sheet(tmp_path, "wan.xlsx", rows, header=wan_header))
    assert imp.parsed == ["L1", "L2"]
    assert report["updated"] == 2 and report["unchanged"] == 0
    assert Loan.objects.get(loan_no="L1").amount == 50_000_000


def test_a_unit_stated_above_the_header_is_part_of_what_a_row_is(tmp_path, ids):
    rows = [loan_row("L1", ids[0], amount="5000", balance="4000")]
    run(sheet(tmp_path, "yuan.xlsx", rows))
    report, imp = run(sheet(tmp_path, "wan.xlsx", rows, above=[["单位：万元"]]))
    assert imp.parsed == ["L1"] and report["updated"] == 1


def test_another_as_of_day_reads_every_row(tmp_path, ids):
    path = sheet(tmp_path, "loans.xlsx", three(ids))
    run(path)
    report, imp = run(path, as_of=AS_OF + dt.timedelta(days=30))
    assert imp.parsed == ["L1", "L2", "L3"] and report["updated"] == 3  # a snapshot of the new day for each


def test_a_loan_changed_since_the_last_import_is_read_in_full_and_set_back(tmp_path, ids):
    path = sheet(tmp_path, "loans.xlsx", three(ids))
    run(path)
    Loan.objects.filter(loan_no="L3").update(guarantee="抵押")  # changed by another hand than this file
    report, imp = run(path)
    assert imp.parsed == ["L3"]
    assert [(c["key"], c["field"], c["old"], c["new"]) for c in report["changes"]] == [("L3", "guarantee", "抵押", "保证")]
    assert (report["updated"], report["unchanged"]) == (1, 2)


def test_a_loan_moved_to_another_district_since_is_refused_as_a_full_read_refuses_it(tmp_path, ids):
    from npl import testing
    from npl.org.models import District

    path = sheet(tmp_path, "loans.xlsx", three(ids))
    run(path)
    home = District.single()
    Loan.objects.filter(loan_no="L3").update(township=testing.township("青山镇", District.objects.create(name="东川区")))
    derived.refresh({Loan.objects.get(loan_no="L3").pk})  # as the move itself does

    # Its row is the one on record, so pass 1 does not read it; pass 2 finds its loan changed, reads it and
    # refuses it there, with the report a full read gives.
    held, imp = run(path, district=home)
    assert imp.parsed == ["L3"]
    assert [(r["key"], r["reason"]) for r in held["refused"]] == [("L3", "out_of_scope")]
    assert held["written"] is False and held == run(path, Full, district=home)[0]

    kept, _ = run(path, district=home, skip_invalid=True)
    assert kept["written"] is True and (kept["unchanged"], [r["key"] for r in kept["refused"]]) == (2, ["L3"])
    assert kept == run(path, Full, district=home, skip_invalid=True)[0]
    assert Loan.objects.get(loan_no="L3").township.district.name == "东川区"


def test_a_repayment_after_the_as_of_day_makes_the_loan_read_in_full(tmp_path, ids):
    path = sheet(tmp_path, "loans.xlsx", three(ids))
    run(path)
    loan = Loan.objects.get(loan_no="L1")
    Repayment.objects.create(loan=loan, txn_no="T1", paid_on=AS_OF + dt.timedelta(days=5), principal=Decimal("1000.07"), confirmed=True)
    report, imp = run(path)
    assert imp.parsed == ["L1"]
    assert [(c["key"], c["field"], c["old"], c["new"]) for c in report["changes"]] == [("L1", "balance", "80000.00", "78999.93")]


def test_a_row_that_drew_a_warning_is_read_again_and_warned_again(tmp_path, ids):
    rows = [loan_row("L1", ids[0], name="张三"), loan_row("L2", ids[0], name="张叁"), loan_row("L3", ids[2])]
    path = sheet(tmp_path, "loans.xlsx", rows)
    first, _ = run(path)
    assert [w["key"] for w in first["warnings"]] == ["L2"]
    again, imp = run(path)
    assert imp.parsed == ["L2"]
    assert again["warnings"] == first["warnings"] and again["unchanged"] == 3


def test_duplicates_and_the_totals_row_still_see_every_row(tmp_path, ids):
    rows = [
        loan_row("L1", ids[0]),
        loan_row("L1", ids[0]),  # identical: a duplicate
        loan_row("L2", ids[1], balance="70000"),
        loan_row("L4", "123", balance="5000"),  # refused: the total may count it or not
        ["合计", "", "", "", "", "", "150000"],
    ]
    path = sheet(tmp_path, "loans.xlsx", rows)
    first, _ = run(path, skip_invalid=True)
    assert first["duplicates"] == [{"row": 3, "key": "L1"}] and [r["key"] for r in first["refused"]] == ["L4"]
    again, imp = run(path, skip_invalid=True)
    # The refused row is read again; the duplicate is not; with a row refused, the totals check sums the rows
    # kept, so those two are parsed for their figures after the pass.
    assert imp.parsed == ["L4", "L1", "L2"]
    full, _ = run(path, Full, skip_invalid=True)
    assert again == full
    assert again["duplicates"] == first["duplicates"] and again["refused"] == first["refused"]
    assert again["totals"] == first["totals"] and again["unchanged"] == 2


def test_a_row_changed_to_conflict_with_its_duplicate_refuses_both(tmp_path, ids):
    run(sheet(tmp_path, "first.xlsx", [loan_row("L1", ids[0])]))
    report, imp = run(sheet(tmp_path, "again.xlsx", [loan_row("L1", ids[0]), loan_row("L1", ids[0], balance="1")]), skip_invalid=True)
    assert imp.parsed == ["L1"]  # only the second row: the first is the one on record
    assert [(r["row"], r["reason"]) for r in report["refused"]] == [(2, "conflicting_duplicate"), (3, "conflicting_duplicate")]


def test_a_dry_run_records_nothing(tmp_path, ids):
    path = sheet(tmp_path, "loans.xlsx", three(ids))
    run(path, dry_run=True)
    assert not RowDigest.objects.exists()
    report, imp = run(path)
    assert report["created"] == 3 and len(imp.parsed) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one writer at a time write")
def test_imports_of_one_kind_write_their_digests_one_after_the_other(tmp_path, ids):
    # The lock the write takes is held to the end of its transaction: another connection cannot take it.
    run(sheet(tmp_path, "loans.xlsx", three(ids)))
    with transaction.atomic():
        bulk.lock_for_transaction("npl.intake.rowdigest:loans")
        other = connections.create_connection("default")
        try:
            with other.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", ["npl.intake.rowdigest:loans"])
                assert cur.fetchone()[0] is False
        finally:
            other.close()
