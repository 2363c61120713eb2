"""Value normalisers for intake cells. Each returns a clean value or raises RowError with a reason code.

They run for every cell of every row (a 100k-loan file is 1.7 million cells), so patterns are compiled
once, plain ASCII text skips Unicode folding (NFKC leaves ASCII as it is), and values that repeat down a
column (dates typed as text, rates) are parsed once per distinct text.
"""
import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal

from npl.core import idnumber
from npl.core.dates import parse_date_text
from npl.core.money import AmountError, parse_yuan
from npl.intake.choices import Reason


class RowError(ValueError):
    """A refused row: INTAKE.md reason code plus a Chinese message naming the column and the value."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


_SPACES = re.compile(r"\s+")
_PHONE_SEPARATORS = re.compile(r"[\s-]")
# Characters removed from all imported text (issue 14): bidi controls (U+202A–U+202E, U+2066–U+2069, and the
# marks U+200E, U+200F, U+061C), which can make a name display reversed or disguised; zero-width characters
# and a stray BOM, invisible in a cell; C0 controls other than tab and line breaks (PostgreSQL refuses NUL).
INVISIBLE = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF,
     *range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F],
    None,
)
# Dates outside these years are spreadsheet artefacts (an empty date cell shows 1900-01-00, placeholders use
# 9999-12-31), never a fact about a loan, a person or a case.
MIN_YEAR, MAX_YEAR = 1950, 2100


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """Trimmed text; numbers that are whole print without '.0' (a loan number typed as a number)."""
    if type(value) is str and value.isascii() and value.isprintable():
        return value.strip()  # what NFKC, the U+3000 fold and the invisible-character removal give for it
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value).translate(INVISIBLE)).replace("\u3000", " ").strip()


_SCIENTIFIC = re.compile(r"[+-]?\d(?:\.\d+)?[eE]\+\d{2}")  # as Excel shows a long number: 8.10311E+12
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number: a longer number typed in a cell loses the rest


def key_text(value, label: str = "编号") -> str:
    """A key (借据号, 流水号, 案号): trimmed, full-width folded, inner spaces removed.

    A key stored as a number of more than 15 digits has lost its last digits in Excel (8103110108951003
    becomes 8103110108951000), and one shown in scientific notation (8.10311E+12) more: either would
    match another loan or none, so the row is refused."""
    if isinstance(value, float) and abs(value) >= 10**EXCEL_DIGITS:
        raise RowError(
            Reason.INVALID_VALUE,
            f"{label}：{text(value)} 被存成了数字，超过{EXCEL_DIGITS}位的数字在 Excel 中末几位已丢失：请把该列设为文本，按原编号重新录入",
        )
    s = _SPACES.sub("", text(value))
    if _SCIENTIFIC.fullmatch(s):
        raise RowError(
            Reason.INVALID_VALUE, f"{label}：“{s}”是科学计数法显示的数字，编号已不完整：请把该列设为文本，按原编号重新录入"
        )
    return s


def name(value) -> str:
    """Names lose inner spaces (张　三 → 张三); a middle dot stays (and is unified to ·)."""
    s = _SPACES.sub("", text(value))
    if s.isascii():
        return s
    return s.replace("•", "·").replace("．", "·").replace("・", "·")


def id_number(value, label: str = "身份证号") -> str:
    if type(value) is str:
        value = value.translate(INVISIBLE)
    try:
        return idnumber.normalize(value)
    except idnumber.IDNumberError as exc:
        raise RowError(Reason.INVALID_ID_NUMBER, f"{label}：{exc}") from exc


def amount(value, label: str, *, required: bool = False) -> Decimal | None:
    """元, exact to the cent. Excel doubles are read at Excel's own 15 significant digits.

    A cell that holds no amount ("", "-", "—", "元") is None, or refused as missing when `required`.
    """
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        value = Decimal(format(value, ".15g"))
    elif type(value) is str and not (value.isascii() and value.isprintable()):
        value = value.translate(INVISIBLE)
    try:
        result = parse_yuan(value)
    except AmountError as exc:
        raise RowError(Reason.INVALID_AMOUNT, f"{label}：{exc}") from exc
    if result is None and required:
        raise RowError(Reason.MISSING_FIELD, f"缺少{label}（“{text(value)}”不是金额）" if text(value) else f"缺少{label}")
    return result


EXCEL_EPOCH = dt.date(1899, 12, 30)


def date(value, label: str) -> dt.date | None:
    """Excel dates, or text 2019-03-15, 2019/3/15, 2019.03.15, 20190315, 2019年3月15日."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return _plausible(value.date(), value, label)
    if isinstance(value, dt.date):
        return _plausible(value, value, label)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            parsed = parse_date_text(str(int(value)))
            if parsed:
                return parsed
        # A serial number in a cell without a date format (Excel's 1900 system).
        if 1 <= value < 80000:
            return _plausible(EXCEL_EPOCH + dt.timedelta(days=int(value)), value, label)
        raise RowError(Reason.INVALID_DATE, f"{label}：“{text(value)}”不是日期")
    parsed = _date_of_text(text(value))
    if parsed is None:
        raise RowError(Reason.INVALID_DATE, f"{label}：“{text(value)}”不是日期（可用 2019-03-15、2019/3/15、2019.03.15、20190315、2019年3月15日）")
    return _plausible(parsed, value, label)


def _plausible(day: dt.date, value, label: str) -> dt.date:
    if not (MIN_YEAR <= day.year <= MAX_YEAR):
        raise RowError(Reason.INVALID_DATE, f"{label}：“{text(value)}”年份不合理（应在{MIN_YEAR}—{MAX_YEAR}年之间）")
    return day


@functools.lru_cache(maxsize=8192)
def _date_of_text(s: str) -> dt.date | None:
    """parse_date_text, once per distinct text: a column of text dates repeats a few thousand days."""
    return parse_date_text(s)


def choice(value, label: str, aliases: dict, *, required: bool = True):
    """Map a Chinese label to its code; an unknown label is refused, never guessed."""
    s = _SPACES.sub("", text(value))
    if not s:
        if required:
            raise RowError(Reason.MISSING_FIELD, f"缺少{label}")
        return None
    if s in aliases:
        return aliases[s]
    allowed = "、".join(dict.fromkeys(k for k in aliases))
    raise RowError(Reason.INVALID_VALUE, f"{label}“{s}”不在可选范围内（{allowed}）")


def phone(value) -> str:
    return _PHONE_SEPARATORS.sub("", text(value))


def fits(value, label: str, max_length: int | None):
    """Text longer than its model field is refused, never cut (SQLite would keep it, PostgreSQL would fail)."""
    if max_length is not None and isinstance(value, str) and len(value) > max_length:
        raise RowError(Reason.INVALID_VALUE, f"{label}过长：{len(value)}个字符，最多{max_length}个（“{value[:20]}…”）")
    return value


def rate(value, label: str = "执行利率") -> Decimal | None:
    """Annual rate in percent: 7.2, '7.2%', '7.2‰' is refused; 0.072 is read as a fraction."""
    if is_blank(value):
        return None
    if type(value) is str:
        return _rate_of_text(value, label)
    return _rate(value, label)


@functools.lru_cache(maxsize=1024)
def _rate_of_text(value: str, label: str) -> Decimal:
    """A rate typed as text, once per distinct text (a column holds a handful); refusals are not cached."""
    return _rate(value, label)


def _rate(value, label: str) -> Decimal:
    s = text(value).replace("％", "%")
    is_pct = s.endswith("%")
    s = s.rstrip("%").strip()
    try:
        d = Decimal(s)
    except Exception as exc:
        raise RowError(Reason.INVALID_VALUE, f"{label}“{text(value)}”不是数字") from exc
    if not d.is_finite():
        raise RowError(Reason.INVALID_VALUE, f"{label}“{text(value)}”不是数字")
    if d < 0 or d > 100:
        raise RowError(Reason.INVALID_VALUE, f"{label}“{text(value)}”超出合理范围")
    if not is_pct and d < 1:
        d = d * 100
    return d.quantize(Decimal("0.0001"))
