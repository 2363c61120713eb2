"""Money: 元 parsed exactly from what spreadsheets hold, 万元 half-up for display, Chinese capitals."""
from decimal import Decimal

import pytest

from npl.core.money import AmountError, chinese_capital, fmt_wan, fmt_wan_plain, fmt_yuan, parse_yuan, percent, to_wan


class TestParseYuan:
    def test_an_integer_cell_is_whole_yuan(self):
        assert parse_yuan(230768) == Decimal("230768.00")

    def test_a_float_cell_from_excel_keeps_its_cents_exactly(self):
        # 0.1 + 0.2 style doubles must not leak binary noise into the cents.
        assert parse_yuan(145894.84) == Decimal("145894.84")
        assert parse_yuan(17519.38) == Decimal("17519.38")
        assert parse_yuan(0.1 + 0.2 - 0.00000000000000004) == Decimal("0.30")

    def test_text_with_thousands_separators_is_read(self):
        assert parse_yuan("150,506.58") == Decimal("150506.58")
        assert parse_yuan("1，234，567.8") == Decimal("1234567.80")

    def test_full_width_digits_are_read(self):
        assert parse_yuan("１２３４５．６７") == Decimal("12345.67")

    def test_a_trailing_yuan_and_surrounding_spaces_are_dropped(self):
        assert parse_yuan(" 98000元 ") == Decimal("98000.00")
        assert parse_yuan("￥3,000.5") == Decimal("3000.50")

    def test_an_empty_cell_is_none_not_zero(self):
        assert parse_yuan(None) is None
        assert parse_yuan("") is None
        assert parse_yuan("   ") is None

    def test_a_decimal_is_taken_as_it_is(self):
        assert parse_yuan(Decimal("12.5")) == Decimal("12.50")

    @pytest.mark.parametrize("value", [-1, -0.01, "-5,000.00", "－３"])
    def test_negative_amounts_are_refused(self, value):
        with pytest.raises(AmountError, match="负数"):
            parse_yuan(value)

    def test_a_negative_amount_passes_only_when_asked_for(self):
        assert parse_yuan("-12.30", allow_negative=True) == Decimal("-12.30")

    @pytest.mark.parametrize("value", ["12.345", 0.001, "100.005元"])
    def test_more_than_two_decimals_are_refused_not_rounded(self, value):
        with pytest.raises(AmountError, match="两位小数"):
            parse_yuan(value)

    @pytest.mark.parametrize("value", ["十万", "12a", "1.2.3", True, float("nan"), float("inf")])
    def test_text_that_is_not_a_number_is_refused(self, value):
        with pytest.raises(AmountError):
            parse_yuan(value)

    def test_the_result_always_has_two_places(self):
        assert str(parse_yuan("7")) == "7.00"


class TestWan:
    @pytest.mark.parametrize(
        "yuan, wan",
        [
            ("11791400", "1179.14"),
            ("5000", "0.50"),
            ("12345", "1.23"),
            ("12350", "1.24"),  # half-up, not banker's (which would give 1.24 too) ...
            ("12250", "1.23"),  # ... and here banker's would give 1.22
            ("0", "0.00"),
            ("95356800", "9535.68"),
        ],
    )
    def test_wan_is_yuan_over_ten_thousand_rounded_half_up(self, yuan, wan):
        assert to_wan(Decimal(yuan)) == Decimal(wan)
        assert fmt_wan(Decimal(yuan)) == wan

    def test_wan_of_a_sum_is_rounded_once_after_summing_in_yuan(self):
        parts = [Decimal("4950.00")] * 3  # each rounds to 0.50 alone (1.50), the sum is 1.4850 → 1.49
        assert to_wan(sum(parts)) == Decimal("1.49")

    def test_plain_wan_drops_trailing_zeros_as_the_seed_writes_it(self):
        assert fmt_wan_plain(Decimal("300000")) == "30"
        assert fmt_wan_plain(Decimal("98000")) == "9.8"
        assert fmt_wan_plain(Decimal("11791400")) == "1179.14"
        assert fmt_wan_plain(Decimal("0")) == "0"

    def test_fmt_yuan_is_the_json_form_with_two_places(self):
        assert fmt_yuan(Decimal("1234.5")) == "1234.50"
        assert fmt_yuan(None) == "0.00"
        assert fmt_yuan(7) == "7.00"


class TestPercent:
    def test_rate_in_percent_with_two_places_half_up(self):
        assert percent(Decimal("1"), Decimal("3")) == Decimal("33.33")
        assert percent(Decimal("2"), Decimal("3")) == Decimal("66.67")
        assert percent(Decimal("1"), Decimal("8")) == Decimal("12.50")
        assert percent(Decimal("1"), Decimal("1600")) == Decimal("0.06")  # 0.0625 → 0.06
        assert percent(Decimal("1"), Decimal("800")) == Decimal("0.13")  # 0.125 → 0.13, half-up

    def test_a_zero_denominator_gives_zero_not_an_error(self):
        assert percent(Decimal("5"), Decimal("0")) == Decimal("0.00")

    def test_everything_collected_is_one_hundred_percent(self):
        assert percent(Decimal("15011900.00"), Decimal("15011900.00")) == Decimal("100.00")


class TestChineseCapital:
    @pytest.mark.parametrize(
        "amount, words",
        [
            ("0.5", "伍角"),
            ("0.05", "伍分"),
            ("0", "零元整"),
            ("10", "壹拾元整"),
            ("100", "壹佰元整"),
            ("1005.06", "壹仟零伍元零陆分"),
            ("1010", "壹仟零壹拾元整"),
            ("100000", "壹拾万元整"),
            ("100010", "壹拾万零壹拾元整"),
            ("10010000", "壹仟零壹万元整"),
            ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
            ("20000.08", "贰万元零捌分"),
            ("100000000", "壹亿元整"),
            ("100000001", "壹亿零壹元整"),
            ("100200000", "壹亿零贰拾万元整"),
        ],
    )
    def test_amounts_read_as_legal_documents_write_them(self, amount, words):
        assert chinese_capital(Decimal(amount)) == words

    def test_a_negative_amount_is_prefixed(self):
        assert chinese_capital(Decimal("-100")) == "负壹佰元整"
