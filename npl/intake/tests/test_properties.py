"""Property tests: normalisers never crash, and every row read is accounted for."""
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npl import testing
from npl.intake import normalize as n
from npl.intake.normalize import RowError
from npl.intake.services import run_import
from npl.intake.tests.sheets import LOAN_HEADER, write_xlsx

cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.from_regex(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?", fullmatch=True),
    st.from_regex(r"-?[0-9,，０-９]{1,12}(\.[0-9]{0,4})?元?", fullmatch=True),
)


@given(cells)
@settings(max_examples=400)
def test_normalisers_refuse_with_a_reason_or_return_a_value(value):
    for fn in (lambda v: n.amount(v, "金额"), lambda v: n.date(v, "日期"), n.id_number, lambda v: n.rate(v)):
        try:
            fn(value)
        except RowError as exc:
            assert exc.reason and exc.message
    assert isinstance(n.name(value), str)
    try:
        assert isinstance(n.key_text(value), str)
    except RowError as exc:  # a key stored as a number of more than 15 digits, or shown as 8.10311E+12
        assert exc.reason == "invalid_value" and "编号" in exc.message


nasty_text = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff\x00\u3000")),
    max_size=30,
)


@given(st.one_of(cells, nasty_text))
@settings(max_examples=300)
def test_normalised_text_holds_no_bidi_control_or_invisible_character_and_dates_are_plausible(value):
    for fn in (n.text, n.name, n.key_text, n.phone):
        try:
            assert not set(fn(value)) & {chr(c) for c in n.INVISIBLE}
        except RowError as exc:
            assert fn is n.key_text and exc.reason == "invalid_value"
    try:
        day = n.date(value, "日期")
    except RowError as exc:
        assert exc.reason == "invalid_date" and "日期" in exc.message
    else:
        assert day is None or n.MIN_YEAR <= day.year <= n.MAX_YEAR
    try:
        got = n.amount(value, "金额", required=True)
    except RowError as exc:
        assert exc.reason in ("invalid_amount", "missing_field") and "金额" in exc.message
    else:
        assert got is not None and got >= 0 and got == got.quantize(Decimal("0.01"))


def _row(draw, seed):
    kind = draw(st.sampled_from(["good", "dup_key", "bad_id", "bad_amount", "blank", "total", "no_key", "bad_date"]))
    loan_no = f"L{draw(st.integers(0, 6))}"
    row = [loan_no, "张三", testing.valid_id(seed % 7), "柳溪镇", "柳溪支行", "1000", "900", "2020-01-01", "2021-01-01", "保证"]
    if kind == "bad_id":
        row[2] = row[2][:17] + ("1" if row[2][17] == "0" else "0")
    elif kind == "bad_amount":
        row[6] = draw(st.sampled_from(["-5", "abc", "1.001"]))
    elif kind == "blank":
        row = []
    elif kind == "total":
        # A 小计 row is skipped unchecked; a 合计 row that fills no amount checks nothing (see test_layouts).
        row = draw(st.sampled_from([["小计", "", "", "", "", "", "99"], ["合计"], ["", "合　计"]]))
    elif kind == "no_key":
        row[0] = ""
    elif kind == "bad_date":
        row[7] = "2020-13-01"
    elif kind == "dup_key":
        row[6] = draw(st.sampled_from(["900", "901"]))
    return row


@st.composite
def sheets(draw):
    return [_row(draw, i) for i in range(draw(st.integers(0, 25)))]


@pytest.mark.django_db(transaction=False)
@given(sheets(), st.booleans())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_row_read_is_accounted_for(rows, skip_invalid):
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(Path(tmp) / "h.xlsx", [LOAN_HEADER, *rows])
        report = run_import("loans", path, as_of=dt.date(2026, 3, 31), create_units=True, skip_invalid=skip_invalid, dry_run=True)
    data = [r for r in rows if r and not {"合计", "小计", "合　计"} & set(r)]
    assert report["rows_read"] == len(data)
    assert report["rows_read"] == report["created"] + report["updated"] + report["unchanged"] + len(report["refused"]) + len(report["duplicates"])
    refused_rows = {r["row"] for r in report["refused"]}
    dup_rows = {d["row"] for d in report["duplicates"]}
    assert not refused_rows & dup_rows
