"""The demo files: INTAKE.md's layout, valid ID numbers, realistic figures, the same bytes for the same seed."""
import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from npl.core.idnumber import normalize
from npl.demo.generate import (
    BASELINE,
    HISTORY_FROM,
    REPAID_UNTIL,
    ROSTER_KINDS,
    ROSTERS_AS_OF,
    build_district,
    write_demo_files,
)
from npl.demo.names import COMPOUND_SURNAMES, POLYPHONIC_SURNAMES

# The required columns of each kind (INTAKE.md), under the names the demo files use.
REQUIRED = {
    "loans": ["借据编号", "客户名称", "证件号码", "所属乡镇", "机构名称", "贷款金额", "本金余额", "发放日期", "到期日", "担保方式"],
    "roster": ["姓名", "公民身份号码"],
    "loan-list": ["借据号", "类型"],
    "litigation": ["借据号", "诉讼类型", "案号"],
    "repayments": ["交易流水号", "借据号", "还款日期", "归还本金"],
    "actions": ["借据号", "催收日期", "催收方式", "签收情况"],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return write_demo_files(tmp_path_factory.mktemp("demo"), loans=1200)


def sheet_rows(path):
    """(header, data rows as dicts) of a file's first sheet, the header found as the importer finds it."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    for i, row in enumerate(rows[:10]):
        if "借据号" in row or "借据编号" in row or "姓名" in row or "交易流水号" in row:
            header = [str(c) for c in row]
            data = [dict(zip(header, r)) for r in rows[i + 1 :] if any(str(c).strip() for c in r)]
            return header, [d for d in data if str(next(iter(d.values()))).strip() not in ("合计", "总计", "小计")]
    raise AssertionError(f"no header in the first 10 rows of {path.name}")


def test_every_kind_of_intake_file_is_written_in_import_order(demo):
    kinds = [(f.kind, f.sub_kind) for f in demo.files]
    assert kinds[0] == ("loans", None)
    assert [s for k, s in kinds if k == "roster"] == ROSTER_KINDS
    assert kinds[-3:] == [("litigation", None), ("repayments", None), ("actions", None)]
    assert all(f.path.exists() and f.rows > 0 for f in demo.files)


def test_each_file_has_the_required_columns_of_its_kind(demo):
    for f in demo.files:
        header, rows = sheet_rows(f.path)
        missing = [c for c in REQUIRED[f.kind] if c not in header]
        assert not missing, f"{f.path.name} lacks {missing}"
        assert len(rows) == f.rows, f.path.name


def test_the_loans_file_says_its_as_of_day_above_the_header(demo):
    rows = CalamineWorkbook.from_path(str(demo.files[0].path)).get_sheet_by_index(0).to_python()
    assert rows[1][0] == f"统计日期：{BASELINE:%Y年%m月%d日}"


def test_every_id_number_in_every_file_is_valid(demo):
    checked = 0
    for f in demo.files:
        header, rows = sheet_rows(f.path)
        column = "证件号码" if "证件号码" in header else "公民身份号码" if "公民身份号码" in header else None
        for row in rows if column else []:
            cell = row[column]
            assert isinstance(cell, str), f"{f.path.name}: an ID stored as a number loses its last digits"
            number = normalize(cell, today=BASELINE)
            assert len(number) == 18
            checked += 1
    assert checked > 1200


def test_old_rosters_hold_some_15_digit_numbers_of_known_borrowers(demo):
    borrowers = {b.id_number for b in demo.borrowers}
    short = []
    for kind in ("deceased", "dibao", "disabled"):
        _, rows = sheet_rows(demo.files[1 + ROSTER_KINDS.index(kind)].path)
        short += [normalize(r["公民身份号码"], today=BASELINE) for r in rows if len(r["公民身份号码"].strip()) == 15]
    assert short, "no first-generation numbers: the 15→18 path goes unexercised"
    assert all(len(n) == 18 for n in short)
    assert set(short) <= {p.id_number for k in ROSTER_KINDS for p, _ in demo.rosters[k]} | borrowers


def test_borrowers_are_born_1945_to_1995_mostly_in_the_district(demo):
    assert all(dt.date(1945, 1, 1) <= b.born <= dt.date(1995, 12, 31) for b in demo.borrowers)
    home = sum(b.id_number.startswith("610431") for b in demo.borrowers)
    assert 0.7 < home / len(demo.borrowers) < 0.95


def test_the_district_has_six_townships_with_communities_and_branches(demo):
    assert len(demo.towns) >= 6
    for town in demo.towns:
        assert 8 <= len(town.communities) <= 17
        assert 4 <= len(town.branches) <= 6
        assert town.branches[0].endswith("支行")  # the lead branch
    assert len({b for t in demo.towns for b in t.branches}) == sum(len(t.branches) for t in demo.towns)


def test_loan_numbers_are_unique_and_borrowers_have_several_loans(demo):
    assert len({ln.loan_no for ln in demo.loans}) == len(demo.loans) == 1200
    per_borrower = Counter(ln.person.id_number for ln in demo.loans)
    assert max(per_borrower.values()) >= 3
    assert sum(1 for n in per_borrower.values() if n > 1) > len(per_borrower) * 0.15
    assert all(len({ln.township for ln in demo.loans if ln.person is b}) == 1 for b in demo.borrowers[:50])


def test_amounts_are_mostly_thirty_thousand_to_three_hundred_thousand_with_some_large_mortgages(demo):
    usual = sum(Decimal(30_000) <= ln.amount <= Decimal(300_000) for ln in demo.loans)
    assert usual / len(demo.loans) > 0.8
    large = [ln for ln in demo.loans if ln.amount >= 1_000_000]
    assert large and all("抵押" in ln.guarantee for ln in large)
    assert all(ln.amount <= 8_000_000 for ln in demo.loans)
    assert all(Decimal(0) < ln.balance <= ln.amount for ln in demo.loans)
    assert all(ln.amount == ln.amount.quantize(Decimal("0.01")) for ln in demo.loans)


def test_dates_are_issued_2012_to_2022_and_mature_one_to_three_years_later(demo):
    for ln in demo.loans:
        assert dt.date(2012, 1, 1) <= ln.issue <= dt.date(2022, 12, 31)
        years = ln.maturity.year - ln.issue.year
        assert 1 <= years <= 3 and ln.maturity.month == ln.issue.month


def test_guarantees_cover_the_kinds_a_bank_writes(demo):
    assert set(Counter(ln.guarantee for ln in demo.loans)) == {"信用", "保证", "抵押", "抵押+保证", "质押"}


def test_classification_is_never_better_than_the_overdue_floor(demo):
    rank = ["正常", "关注", "次级", "可疑", "损失"]
    for ln in demo.loans:
        overdue = (BASELINE - ln.maturity).days
        floor = 4 if overdue > 360 else 3 if overdue > 270 else 2
        assert rank.index(ln.classification) >= floor


def test_names_include_polyphonic_and_compound_surnames(tmp_path):
    d = build_district(loans=3000)
    names = [b.name for b in d.borrowers]
    assert {n[0] for n in names} & set(POLYPHONIC_SURNAMES) >= {"单", "曾", "解"}
    assert any(n[:2] in COMPOUND_SURNAMES for n in names)
    assert all(2 <= len(n) <= 4 for n in names)


def test_rosters_are_whole_populations_with_borrowers_in_realistic_shares(demo):
    for kind in ROSTER_KINDS:
        people = demo.rosters[kind]
        on_it = demo.roster_borrowers(kind)
        assert on_it, kind
        if kind not in ("lost_contact", "nominal_household"):
            assert len(on_it) < len(people) / 3, f"{kind}: most people on a roster are not borrowers"
    share = len(demo.roster_borrowers("dibao")) / len(demo.borrowers)
    assert 0.05 < share < 0.12


def test_nobody_is_both_deceased_and_imprisoned_or_lost(demo):
    dead = {p.id_number for p in demo.roster_borrowers("deceased")}
    assert not dead & {p.id_number for p in demo.roster_borrowers("imprisoned")}
    assert not dead & {p.id_number for p in demo.roster_borrowers("lost_contact")}


def test_repayments_run_over_two_years_and_never_exceed_what_was_owed(demo):
    before, after = Counter(), Counter()
    for r in demo.repayments:
        assert r["principal"] > 0
        assert HISTORY_FROM <= r["paid_on"] <= REPAID_UNTIL
        (before if r["paid_on"] <= BASELINE else after)[r["loan"].loan_no] += r["principal"]
    loans = {ln.loan_no: ln for ln in demo.loans}
    # The baseline balance is what remained after the repayments before it (inside the bank's snapshot).
    assert all(loans[no].balance + paid <= loans[no].amount for no, paid in before.items())
    assert all(paid <= loans[no].balance for no, paid in after.items())
    assert any(paid == loans[no].balance for no, paid in after.items()), "some loans are settled in full"
    share_after = sum(r["paid_on"] > BASELINE for r in demo.repayments) / len(demo.repayments)
    assert 0.2 < share_after < 0.6
    assert len({r["txn_no"] for r in demo.repayments}) == len(demo.repayments)


def test_the_history_is_learnable_but_noisy(demo):
    """Kept promises and recent repayments go with repaying again; lost-contact borrowers rarely repay; none is certain."""
    lost = {p.id_number for p in demo.roster_borrowers("lost_contact")}
    payers = {r["loan"].loan_no for r in demo.repayments}
    lost_loans = [ln for ln in demo.loans if ln.person.id_number in lost]
    others = [ln for ln in demo.loans if ln.person.id_number not in lost]
    lost_rate = sum(ln.loan_no in payers for ln in lost_loans) / len(lost_loans)
    other_rate = sum(ln.loan_no in payers for ln in others) / len(others)
    assert lost_rate < other_rate / 3
    promised = {a["loan"].loan_no for a in demo.actions if a["promise_on"]}
    promised_rate = sum(no in payers for no in promised) / len(promised)
    assert other_rate < promised_rate < 0.95


def test_rosters_are_dated_when_collection_began_and_the_dead_died_before_it(demo):
    assert {f.as_of for f in demo.files if f.kind == "roster"} == {ROSTERS_AS_OF}
    assert all(day < ROSTERS_AS_OF for _, day in demo.rosters["deceased"])


def test_ledger_rows_are_unique_by_loan_day_and_method(demo):
    keys = [(a["loan"].loan_no, a["acted_on"], a["method"]) for a in demo.actions]
    assert len(set(keys)) == len(keys)
    assert {a["signature"] for a in demo.actions} == {"借款人签收", "家属签收", "未签收", "拒签"}


def test_litigation_cases_are_mostly_the_bank_suing_and_dated_in_order(demo):
    directions = Counter(c["direction"] for c in demo.cases)
    assert directions["银行起诉借款人"] > directions["借款人起诉银行"] > 0
    for c in demo.cases:
        assert c["filed"] <= BASELINE
        if c["accepted"]:
            assert c["accepted"] >= c["filed"]
        if c["judged"]:
            assert c["judged"] > c["accepted"]
        if c["enforcement_no"]:
            assert c["judged"] and c["stage"] in ("执行中", "终结本次执行", "已结案")


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path):
    def digests(folder, seed):
        d = write_demo_files(folder, loans=150, seed=seed)
        return [hashlib.sha256(f.path.read_bytes()).hexdigest() for f in d.files]

    first = digests(tmp_path / "a", 7)
    assert digests(tmp_path / "b", 7) == first
    assert digests(tmp_path / "c", 8)[0] != first[0]


def test_a_benchmark_can_write_the_loans_file_alone_with_the_same_bytes(tmp_path, demo):
    d = write_demo_files(tmp_path, loans=1200, kinds=("loans",))
    assert [f.path.name for f in d.files] == ["loans.xlsx"]
    assert not (tmp_path / "actions.xlsx").exists()
    assert d.files[0].path.read_bytes() == demo.files[0].path.read_bytes()


def test_a_later_end_moves_every_date_by_the_same_days_and_keeps_numbers_in_their_years():
    reference = build_district(loans=200)
    moved = build_district(loans=200, end=REPAID_UNTIL + dt.timedelta(days=40))
    assert moved.shift == 40 and moved.history_end == REPAID_UNTIL + dt.timedelta(days=40)
    assert moved.baseline == BASELINE + dt.timedelta(days=40)
    assert [r["paid_on"] - dt.timedelta(days=40) for r in moved.repayments] == [r["paid_on"] for r in reference.repayments]
    assert all(r["txn_no"].startswith(f"LS{r['paid_on']:%Y%m%d}") for r in moved.repayments)
    assert [a["acted_on"] - dt.timedelta(days=40) for a in moved.actions] == [a["acted_on"] for a in reference.actions]
    assert all(c["case_no"].startswith(f"({c['filed'].year})") for c in moved.cases)
    assert len({c["case_no"] for c in moved.cases}) == len(moved.cases)
    assert [ln.balance for ln in moved.loans] == [ln.balance for ln in reference.loans]  # the same story, later


def test_streamed_files_come_in_import_order_with_the_same_bytes_as_written_ones(tmp_path, demo):
    from npl.demo.generate import stream_demo_files

    district = build_district(loans=1200)
    streamed = []
    for f in stream_demo_files(district, tmp_path):
        assert f.path.exists()  # complete when it is handed over: the loader imports it at once
        streamed.append(f)
    assert [(f.kind, f.sub_kind, f.rows) for f in streamed] == [(f.kind, f.sub_kind, f.rows) for f in demo.files]
    assert [f.path.read_bytes() for f in streamed] == [f.path.read_bytes() for f in demo.files]
    assert district.files == streamed


def test_a_loader_that_stops_early_leaves_no_writer_behind(tmp_path):
    import multiprocessing

    from npl.demo.generate import stream_demo_files

    files = stream_demo_files(build_district(loans=300), tmp_path)
    first = next(files)
    assert first.kind == "loans"
    files.close()  # e.g. the loans import was refused
    assert multiprocessing.active_children() == []


def test_a_flow_longer_than_a_file_holds_is_written_as_several_files_with_every_row_once(tmp_path, monkeypatch):
    # At a million loans the repayment flow outgrows one .xlsx sheet (1,048,576 rows), whose writer drops the rest
    # without a word: it is written as parts of PART_ROWS rows, as a bank exports a long period month by month.
    from npl.demo import generate

    monkeypatch.setattr(generate, "PART_ROWS", 500)
    d = write_demo_files(tmp_path, loans=300, kinds=("repayments", "actions"))
    for kind, rows in (("repayments", d.repayments), ("actions", d.actions)):
        files = [f for f in d.files if f.kind == kind]
        assert len(files) == -(-len(rows) // 500) > 1
        assert [f.path.name for f in files[:2]] == [f"{kind}.xlsx", f"{kind}-2.xlsx"]
        read = [r for f in files for r in sheet_rows(f.path)[1]]
        assert [f.rows for f in files] == [len(sheet_rows(f.path)[1]) for f in files]
        assert len(read) == len(rows)
    txns = [r["交易流水号"] for f in d.files if f.kind == "repayments" for r in sheet_rows(f.path)[1]]
    assert sorted(txns) == sorted(r["txn_no"] for r in d.repayments)


def test_a_sheet_refuses_a_row_past_its_last_rather_than_dropping_it(tmp_path, monkeypatch):
    from npl.demo import generate

    monkeypatch.setattr(generate, "SHEET_ROWS", 2)
    sheet = generate._Sheet(tmp_path / "short.xlsx")
    sheet.write(["表头"])
    sheet.write(["第一行"])
    with pytest.raises(ValueError, match="第3行超出"):
        sheet.write(["第二行"])
    sheet.close()
