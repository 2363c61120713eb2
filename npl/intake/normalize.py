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


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """Trimmed text; numbers that are whole print without '.0' (a loan number typed as a number)."""
    if type(value) is str and value.isascii():
        return value.strip()  # what NFKC and the U+3000 fold below give for ASCII
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).replace("\u3000", " ").strip()


def key_text(value) -> str:
    """A key (借据号, 流水号, 案号): trimmed, full-width folded, inner spaces removed."""
    return _SPACES.sub("", text(value))


def name(value) -> str:
    """Names lose inner spaces (张　三 → 张三); a middle dot stays (and is unified to ·)."""
    s = _SPACES.sub("", text(value))
    if s.isascii():
        return s
    return s.replace("•", "·").replace("．", "·").replace("・", "·")


def id_number(value, label: str = "身份证号") -> str:
    try:
        return idnumber.normalize(value)
    except idnumber.IDNumberError as exc:
        raise RowError(Reason.INVALID_ID_NUMBER, f"{label}：{exc}") from exc


def amount(value, label: str) -> Decimal | None:
    """元, exact to the cent. Excel doubles are read at Excel's own 15 significant digits."""
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        value = Decimal(format(value, ".15g"))
    try:
        return parse_yuan(value)
    except AmountError as exc:
        raise RowError(Reason.INVALID_AMOUNT, f"{label}：{exc}") from exc


EXCEL_EPOCH = dt.date(1899, 12, 30)


def date(value, label: str) -> dt.date | None:
    """Excel dates, or text 2019-03-15, 2019/3/15, 2019.03.15, 20190315, 2019年3月15日."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            parsed = parse_date_text(str(int(value)))
            if parsed:
                return parsed
        # A serial number in a cell without a date format (Excel's 1900 system).
        if 1 <= value < 80000:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise RowError(Reason.INVALID_DATE, f"{label}：“{text(value)}”不是日期")
    parsed = _date_of_text(str(value))
    if parsed is None:
        raise RowError(Reason.INVALID_DATE, f"{label}：“{text(value)}”不是日期（可用 2019-03-15、2019/3/15、2019.03.15、20190315、2019年3月15日）")
    if not (1900 <= parsed.year <= 2100):
        raise RowError(Reason.INVALID_DATE, f"{label}：“{text(value)}”年份不合理")
    return parsed


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
