"""ID numbers (GB 11643): property tests over generated numbers, then the cells spreadsheets really hold."""
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npl.core.idnumber import IDNumberError, birth_date, check_char, convert15, gender, is_valid, mask, normalize
from npl.testing import valid_id

REGIONS = ["610431", "610523", "110101", "440305", "510107", "652801"]
TODAY = dt.date(2026, 11, 1)

regions = st.sampled_from(REGIONS)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
births_19xx = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


def make_id(region: str, born: dt.date, seq: int) -> str:
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + check_char(body)


@st.composite
def valid_ids(draw, born=births):
    return make_id(draw(regions), draw(born), draw(sequences))


@settings(deadline=None)
@given(valid_ids())
def test_a_valid_number_passes_unchanged(number):
    assert normalize(number, today=TODAY) == number
    assert is_valid(number)


@settings(deadline=None)
@given(valid_ids(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_fails(number, position, shift):
    # Every weight is non-zero modulo 11, so no change of one digit keeps the check character right.
    old = number[position]
    if old == "X":
        new = str(shift)
    else:
        new = str((int(old) + shift) % 10)
    changed = number[:position] + new + number[position + 1 :]
    assert changed != number
    with pytest.raises(IDNumberError):
        normalize(changed, today=TODAY)


@settings(deadline=None)
@given(valid_ids())
def test_a_changed_check_character_fails(number):
    for char in "0123456789X":
        if char != number[17]:
            assert not is_valid(number[:17] + char)


@settings(deadline=None)
@given(valid_ids(born=births_19xx))
def test_a_15_digit_number_converts_to_the_18_digit_form_of_the_same_person(number18):
    number15 = number18[:6] + number18[8:17]  # first generation: 2-digit year, no check character
    converted = normalize(number15, today=TODAY)
    assert converted == number18
    assert converted[:6] == number15[:6]  # same region
    assert birth_date(converted) == dt.date(1900 + int(number15[6:8]), int(number15[8:10]), int(number15[10:12]))
    assert converted[14:17] == number15[12:15]  # same sequence
    assert gender(converted) == ("M" if int(number15[14]) % 2 else "F")
    assert convert15(number15) == number18


@settings(deadline=None)
@given(valid_ids())
def test_full_width_digits_lower_case_x_and_inner_spaces_are_normalised(number):
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert normalize(full_width, today=TODAY) == number
    spaced = f" {number[:6]} {number[6:14]}\u3000{number[14:]} "
    assert normalize(spaced, today=TODAY) == number
    assert normalize(number.lower(), today=TODAY) == number


def test_a_lower_case_x_check_character_becomes_upper_case():
    body = "61043119530630123"
    assert check_char(body) == "X"  # this body's check character is X
    assert normalize(body + "x", today=TODAY) == body + "X"


@pytest.mark.parametrize("cell", [610431198410315096, 6.10431198410315e17, 61043119841031.0])
def test_a_numeric_cell_is_refused_because_excel_lost_the_last_digits(cell):
    with pytest.raises(IDNumberError, match="数字"):
        normalize(cell, today=TODAY)


def test_scientific_notation_text_is_refused():
    with pytest.raises(IDNumberError, match="科学计数法"):
        normalize("6.10431E+17", today=TODAY)


@pytest.mark.parametrize("cell", [None, "", "   "])
def test_an_empty_cell_is_refused_as_empty(cell):
    with pytest.raises(IDNumberError, match="为空"):
        normalize(cell, today=TODAY)


@pytest.mark.parametrize("text", ["61043119841031509", "6104311984103150966", "61043119841031509A", "ABCDEFGHIJKLMNOPQR"])
def test_a_wrong_length_or_letters_are_refused(text):
    with pytest.raises(IDNumberError):
        normalize(text, today=TODAY)


def test_an_impossible_birth_date_is_refused_even_with_a_right_check_character():
    body = "61043119840231509"  # 31 February
    with pytest.raises(IDNumberError, match="出生日期"):
        normalize(body + check_char(body), today=TODAY)


def test_a_birth_date_after_today_is_refused():
    number = make_id("610431", dt.date(2026, 11, 2), 123)
    with pytest.raises(IDNumberError, match="出生日期"):
        normalize(number, today=TODAY)
    assert normalize(number, today=dt.date(2026, 11, 2)) == number


def test_a_15_digit_number_with_an_impossible_date_is_refused():
    with pytest.raises(IDNumberError, match="出生日期"):
        normalize("610431840231509", today=TODAY)


def test_the_check_character_follows_gb_11643():
    # The standard's worked example: 11010519491231002X.
    assert check_char("11010519491231002") == "X"
    assert normalize("11010519491231002X", today=TODAY) == "11010519491231002X"


def test_gender_and_birth_date_are_read_from_the_number():
    number = make_id("610431", dt.date(1984, 10, 31), 509)
    assert birth_date(number) == dt.date(1984, 10, 31)
    assert gender(number) == "M"  # 17th digit 9 is odd
    assert gender(make_id("610431", dt.date(1984, 10, 31), 508)) == "F"


def test_error_messages_never_show_the_whole_number():
    number = make_id("610431", dt.date(1984, 10, 31), 509)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(IDNumberError) as err:
        normalize(wrong, today=TODAY)
    assert wrong not in str(err.value)
    assert mask(wrong) in str(err.value)


@given(st.one_of(st.text(alphabet="0123456789X", min_size=18, max_size=18), st.integers(1, 10**6).map(valid_id)))
@settings(max_examples=300)
def test_a_clean_eighteen_character_cell_reads_as_the_folding_path_reads_it(cell):
    # A leading space sends the same number through the full folding; both paths agree, value or refusal.
    def outcome(raw):
        try:
            return normalize(raw)
        except IDNumberError as exc:
            return str(exc)

    assert outcome(cell) == outcome(" " + cell)
