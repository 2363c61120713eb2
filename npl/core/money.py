"""Money in 元 as Decimal (2 places); 万元 only for display, rounded half-up after summing in 元."""
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
WAN = Decimal("10000")
ZERO = Decimal("0.00")
MAX_YUAN = Decimal("1e16")


class AmountError(ValueError):
    """A value that is not a usable amount; the message is Chinese and shown to users."""


_STRIP = re.compile(r"[\s,，_'’]")


def parse_yuan(value, *, allow_negative: bool = False) -> Decimal | None:
    """Parse a cell into 元 (Decimal, 2 places). None for an empty cell. Never goes through float for text."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise AmountError("金额不是数字")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        # Excel stores numbers as doubles; repr gives the shortest exact decimal of that double.
        if value != value or value in (float("inf"), float("-inf")):
            raise AmountError("金额不是数字")
        d = Decimal(repr(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return None
        text = _STRIP.sub("", text)
        for suffix in ("人民币", "元", "RMB", "CNY", "¥", "￥"):
            text = text.replace(suffix, "")
        if text in {"", "-", "—"}:
            return None
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise AmountError(f"金额“{value}”不是数字")
        try:
            d = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - regex guards this
            raise AmountError(f"金额“{value}”不是数字") from exc
    if d < 0 and not allow_negative:
        raise AmountError(f"金额不能为负数（{value}）")
    if abs(d) >= MAX_YUAN:  # beyond DecimalField(max_digits=18, decimal_places=2)
        raise AmountError(f"金额“{value}”过大")
    q = d.quantize(CENT, rounding=ROUND_HALF_UP)
    if q != d:
        raise AmountError(f"金额“{value}”超过两位小数（精确到分）")
    return q


def yuan(value) -> Decimal:
    """Coerce a Decimal/int/str already known to be good into 2-place 元."""
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_yuan(value) -> str:
    """'1234.50' — the JSON form of an amount."""
    return f"{yuan(value):.2f}"


def to_wan(value) -> Decimal:
    """元 → 万元, rounded half-up to 2 places (apply after summing in 元)."""
    return (Decimal(value or 0) / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_wan(value) -> str:
    return f"{to_wan(value):.2f}"


def fmt_wan_plain(value) -> str:
    """万元 as the seed writes it: trailing zeros dropped (30万, 9.8万, 1179.14万)."""
    s = f"{to_wan(value):.2f}".rstrip("0").rstrip(".")
    return s or "0"


def percent(numerator, denominator) -> Decimal:
    """A rate in percent with 2 places, half-up; 0 when the denominator is 0."""
    if not denominator:
        return ZERO
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万亿"]


def chinese_capital(value) -> str:
    """Amount in Chinese capitals as legal documents write it: 壹万贰仟元整, 叁佰元伍角陆分."""
    d = yuan(value)
    if d < 0:
        return "负" + chinese_capital(-d)
    integer = int(d)
    cents = int((d - integer) * 100)
    jiao, fen = divmod(cents, 10)

    def section(n: int) -> str:
        out, zero = "", False
        for i in range(3, -1, -1):
            digit = n // (10**i) % 10
            if digit == 0:
                zero = bool(out)
            else:
                if zero:
                    out += "零"
                    zero = False
                out += _DIGITS[digit] + _UNITS[i]
        return out

    if integer == 0:
        head = ""
    else:
        parts, idx, n, need_zero = [], 0, integer, False
        while n:
            n, sec = divmod(n, 10000)
            if sec:
                text = section(sec) + _SECTIONS[idx]
                if need_zero:
                    text += "零"
                parts.append(text)
                need_zero = sec < 1000 and n > 0
            else:
                need_zero = bool(parts) and n > 0
            idx += 1
        head = "".join(reversed(parts)).replace("零零", "零")
        if head.endswith("零"):
            head = head[:-1]
        head += "元"
    if jiao == 0 and fen == 0:
        return (head or "零元") + "整"
    tail = ""
    if jiao:
        tail += _DIGITS[jiao] + "角"
    elif head:
        tail += "零"
    if fen:
        tail += _DIGITS[fen] + "分"
    return head + tail
