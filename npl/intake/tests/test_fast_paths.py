"""The import's shortcuts give what the general paths give: normaliser fast paths, the spool, plain SQL writes."""
import datetime as dt
import re
import tempfile
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npl import testing
from npl.core import bulk
from npl.core.dates import parse_date_text
from npl.intake import normalize as n
from npl.intake.importers.base import Row, _spool, _spooled
from npl.intake.normalize import RowError
from npl.loans.choices import EventKind
from npl.loans.models import Loan, LoanEvent

ascii_or_not = st.one_of(st.text(max_size=30), st.text(alphabet=st.characters(max_codepoint=127), max_size=30))


@given(ascii_or_not)
@settings(max_examples=300)
def test_text_names_keys_and_phones_read_as_the_unicode_fold_reads_them(value):
    folded = unicodedata.normalize("NFKC", value.translate(n.INVISIBLE)).replace("\u3000", " ").strip()
    assert n.text(value) == folded
    key = re.sub(r"\s+", "", folded)
    if n._SCIENTIFIC.fullmatch(key):
        with pytest.raises(RowError):
            n.key_text(value)
    else:
        assert n.key_text(value) == key
    assert n.phone(value) == re.sub(r"[\s-]", "", folded)
    assert n.name(value) == re.sub(r"\s+", "", folded).replace("•", "·").replace("．", "·").replace("・", "·")


@given(st.one_of(st.text(max_size=20), st.from_regex(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?", fullmatch=True)))
@settings(max_examples=300)
def test_a_date_typed_as_text_reads_the_same_the_first_time_and_every_time(value):
    expected = parse_date_text(value.translate(n.INVISIBLE))
    for _ in range(2):
        try:
            got = n.date(value, "日期")
        except RowError:
            got = "refused"
        if n.is_blank(value):
            assert got is None
        elif expected is None or not n.MIN_YEAR <= expected.year <= n.MAX_YEAR:
            assert got == "refused"
        else:
            assert got == expected


@given(st.one_of(st.text(max_size=12), st.from_regex(r"-?\d{1,3}(\.\d{0,6})?[%％]?", fullmatch=True)))
@settings(max_examples=300)
def test_a_rate_typed_as_text_is_read_or_refused_alike_every_time(value):
    def read():
        try:
            return n.rate(value)
        except RowError as exc:
            return (exc.reason, exc.message)

    first = read()
    assert read() == first
    if not n.is_blank(value) and not isinstance(first, tuple):
        assert first == n._rate(value, "执行利率")


def test_spooled_rows_come_back_as_they_went_in_whatever_their_fields():
    rows = [
        Row(row_no=5, key="A", values={"loan_no": "A", "amount": Decimal("1.50"), "day": dt.date(2020, 1, 2)}),
        Row(row_no=6, key="B", values={"loan_no": "B", "amount": None, "day": dt.date(2021, 3, 4)}),
        Row(row_no=9, key="C", values={"day": dt.date(2022, 5, 6), "loan_no": "C"}),  # other fields, other order
    ]
    with tempfile.TemporaryFile() as spool:
        _spool(rows[:2], spool)
        _spool([], spool)
        _spool(rows[2:], spool)
        back = list(_spooled(spool))
    assert [(r.row_no, r.key, r.values) for r in back] == [(r.row_no, r.key, r.values) for r in rows]
    assert [list(r.values) for r in back] == [list(r.values) for r in rows]


@pytest.mark.django_db
def test_insert_dicts_fills_left_out_columns_with_the_model_defaults():
    town = testing.township()
    loan = Loan(
        loan_no="D1", borrower_id=testing.borrower(1).pk, township_id=town.pk, branch_id=testing.branch(town=town).pk,
        amount=Decimal("10.00"), principal_balance=Decimal("10.00"), issue_date=dt.date(2020, 1, 1),
        maturity_date=dt.date(2021, 1, 1), guarantee="保证", snapshot_date=dt.date(2026, 3, 31),
    )
    given_columns = {f.attname: getattr(loan, f.attname) for f in Loan._meta.concrete_fields
                     if f.attname in ("loan_no", "borrower_id", "township_id", "branch_id", "amount", "principal_balance",
                                      "issue_date", "maturity_date", "guarantee", "snapshot_date")}
    bulk.insert_dicts(Loan, [given_columns])
    stored = Loan.objects.get(loan_no="D1")
    assert stored.status == "registered" and stored.version == 1 and stored.interest_off == Decimal("0.00")
    assert stored.community_id is None and stored.collateral_desc == "" and stored.created_at is not None
    bulk.insert_dicts(LoanEvent, [{"loan_id": stored.pk, "kind": EventKind.CREATED, "after": {"principal_balance": "10.00"}},
                                  {"loan_id": stored.pk, "kind": EventKind.SNAPSHOT, "field": "principal_balance", "after": "9.00"}])
    events = list(stored.events.order_by("pk"))
    assert [(e.kind, e.field, e.before, e.after) for e in events] == [
        ("created", "", None, {"principal_balance": "10.00"}), ("snapshot", "principal_balance", None, "9.00")]
    assert events[0].at == events[1].at  # one stamp per call


@pytest.mark.django_db
def test_update_objects_writes_only_the_named_columns_by_id():
    town = testing.township()
    branch = testing.branch(town=town)
    one = testing.loan("U1", testing.borrower(1), town, branch, balance="500.00")
    two = testing.loan("U2", testing.borrower(2), town, branch, balance="700.00")
    bulk.update_objects(Loan, [type("Changed", (), {"pk": one.pk, "principal_balance": Decimal("450.00"), "version": 2})()],
                        ["principal_balance", "version"])
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.principal_balance, one.version, one.guarantee) == (Decimal("450.00"), 2, "保证")
    assert (two.principal_balance, two.version) == (Decimal("700.00"), 1)
    assert bulk.values_by(Loan, "loan_no", ["U1", "U2", "U3"], "id") == {"U1": one.pk, "U2": two.pk}


@pytest.mark.django_db
@pytest.mark.derived_unchecked("writes chosen values into a stored clock: the test is of the writer, not the clock")
def test_update_objects_keeps_every_kind_of_value_as_given_and_the_last_of_an_object_given_twice():
    from npl.collection.models import LoanClock

    town = testing.township()
    branch = testing.branch(town=town)
    loan = testing.loan("U1", testing.borrower(1), town, branch, balance="500.00")
    clock, _ = LoanClock.objects.update_or_create(
        loan=loan, defaults={"township": town, "branch": branch, "day": dt.date(2026, 1, 1), "status": "ok",
                             "basis": "maturity", "deadline": dt.date(2028, 1, 1), "data": {}})
    text = "O'Brien \"引号\" \\ 反斜杠 %s {}"
    data = {"trail": [{"note": text, "day": "2026-05-01", "amount": "12.30"}], "ratio": 0.1, "none": None}
    fields = ["balance", "settled", "deadline", "deadline_reason", "guarantee_alerts", "data"]
    first = type("C", (), {"pk": clock.pk, "balance": Decimal("1.00"), "settled": False, "deadline": dt.date(2030, 1, 1),
                           "deadline_reason": "x", "guarantee_alerts": 1, "data": {}})()
    last = type("C", (), {"pk": clock.pk, "balance": Decimal("1234567.89"), "settled": True, "deadline": None,
                          "deadline_reason": text, "guarantee_alerts": 3, "data": data})()
    bulk.update_objects(LoanClock, [first, last], fields)
    clock.refresh_from_db()
    assert [getattr(clock, f) for f in fields] == [Decimal("1234567.89"), True, None, text, 3, data]
    assert (clock.status, clock.day) == ("ok", dt.date(2026, 1, 1))  # columns not named are left as they were


def test_pinyin_keys_of_names_sharing_a_surname_or_a_given_name_stay_each_names_own():
    from npl.loans.search import pinyin_keys

    assert pinyin_keys("单丽") == ("dl cl sl", "danli chanli shanli")  # every reading of a polyphonic surname
    assert pinyin_keys("曾长乐") == ("ccl zcl", "cengchangle zengchangle")  # 长乐 read as a phrase
    assert pinyin_keys("张长乐") == ("zcl", "zhangchangle")
    assert pinyin_keys("张丽") == ("zl", "zhangli")
    assert pinyin_keys("欧阳娜娜") == ("oynn", "ouyangnana")
    assert pinyin_keys("") == ("", "")


def _hidden_rows_one_pass(xml: bytes) -> set[int]:
    """The reference, read another way: every row element of the whole sheet parsed as XML, numbered as Excel
    numbers them (its r, else the one after the row before)."""
    import xml.etree.ElementTree as ET

    hidden, number = set(), 0
    for element in ET.fromstring(xml).iter():
        if element.tag.rpartition("}")[2] == "row":
            number = int(element.get("r")) if element.get("r") else number + 1
            if element.get("hidden") in ("1", "true"):
                hidden.add(number)
    return hidden


@pytest.mark.parametrize("numbered", ["every row", "no row", "some rows"])
@pytest.mark.parametrize("prefix", ["", "x:"])
def test_hidden_rows_across_the_streamed_blocks_are_those_a_row_by_row_read_finds(tmp_path, numbered, prefix):
    """A sheet of several 1 MB blocks: check_zip reads most blocks without a step per row. Rows hidden near the
    blocks' ends and far down are found at the numbers a row-by-row read gives, whether the writer numbers its
    rows (Excel, WPS, LibreOffice), numbers none, or only some, and with a namespace prefix on its tags."""
    import random
    import zipfile

    from npl.intake.readers import check_zip

    rnd = random.Random(7)
    hide = {5, 1999, 2000, 2001} | {rnd.randrange(6, 7000) for _ in range(25)}
    parts = [f'<{prefix}worksheet xmlns{":x" if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"<{prefix}sheetData>"]
    for r in range(1, 7001):
        attrs = ""
        if numbered == "every row" or (numbered == "some rows" and r % 3):
            attrs += f' r="{r}"'
        if r in hide:
            attrs += ' hidden="1"'
        cells = "".join(f'<{prefix}c t="inlineStr"><{prefix}is><{prefix}t>第{r}行第{c}列{"备注" * 20}</{prefix}t></{prefix}is></{prefix}c>'
                        for c in range(3))
        parts.append(f"<{prefix}row{attrs}>{cells}</{prefix}row>")
    parts.append(f'</{prefix}sheetData><{prefix}rowBreaks count="1"><{prefix}brk id="3"/></{prefix}rowBreaks></{prefix}worksheet>')
    xml = "".join(parts).encode()
    assert len(xml) > 3 * 2**20  # several blocks
    path = tmp_path / "sheet.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    expected = _hidden_rows_one_pass(xml)
    assert check_zip(path) == expected
    if numbered == "every row":
        assert expected == hide


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60), st.lists(st.integers(0, 10**6), max_size=8),
       st.sampled_from(["", "x:"]))
@settings(max_examples=300)
def test_hidden_rows_found_block_by_block_are_those_of_one_read_wherever_the_blocks_end(rows, cuts, prefix):
    """check_zip's scan of one block, called block after block with the row number reached, finds what one
    pass over the whole sheet finds, for any mix of numbered, unnumbered and hidden rows and any block ends
    (a block ends before a tag, as check_zip cuts it)."""
    from npl.intake.readers import _scan_rows

    parts, r = [], 0
    for numbered, hidden in rows:
        r += 1
        attrs = (f' r="{r}"' if numbered else "") + (' hidden="1"' if hidden else "")
        parts.append(f'<{prefix}row{attrs}><{prefix}c><{prefix}v>{r}</{prefix}v></{prefix}c></{prefix}row>')
    xml = "".join(parts).encode()
    starts = [i for i in range(len(xml)) if xml[i:i + 1] == b"<"]
    ends = sorted({starts[c % len(starts)] for c in cuts} | {len(xml)})
    found, reached, at = set(), 0, 0
    for end in ends:
        if end > at:
            reached = _scan_rows(xml[at:end], reached, found)
            at = end
    assert found == _hidden_rows_one_pass(b'<sheetData xmlns:x="urn:x">' + xml + b"</sheetData>")
