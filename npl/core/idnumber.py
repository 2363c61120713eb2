"""Resident ID numbers (GB 11643-1999): normalise, check digit, birth date, 15→18 conversion, gender."""
import datetime as dt
import re
import unicodedata

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_CLEAN18 = re.compile(r"[0-9]{17}[0-9X]")


class IDNumberError(ValueError):
    """An unusable ID number; the message is Chinese and names the reason."""


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def _birth(ymd: str) -> dt.date | None:
    try:
        return dt.date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:8]))
    except ValueError:
        return None


def convert15(number15: str) -> str:
    """First-generation 15-digit number → the 18-digit number of the same person (born 19xx)."""
    body = number15[:6] + "19" + number15[6:]
    return body + check_char(body)


def normalize(raw, *, today: dt.date | None = None) -> str:
    """Return the canonical 18-character ID or raise IDNumberError with a Chinese reason.

    A numeric cell is refused: Excel has already turned it into a double and lost the last digits.
    """
    if raw is None:
        raise IDNumberError("身份证号为空")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise IDNumberError("身份证号被存成了数字（末位已丢失），请把该列设为文本后重新录入")
    if type(raw) is str and _CLEAN18.fullmatch(raw):
        text = raw  # the usual cell, already what the folding below gives (an import reads one per row)
    else:
        text = unicodedata.normalize("NFKC", str(raw))
        text = re.sub(r"[\s\u3000'’`-]", "", text).upper()
        if not text:
            raise IDNumberError("身份证号为空")
        if re.fullmatch(r"\d{15}", text):
            if _birth("19" + text[6:12]) is None:
                raise IDNumberError(f"身份证号{mask(text)}中的出生日期无效")
            text = convert15(text)
        if re.fullmatch(r"\d+(\.\d+)?E\+?\d+", text):
            raise IDNumberError("身份证号被存成了科学计数法数字（末位已丢失），请把该列设为文本后重新录入")
        if not re.fullmatch(r"\d{17}[\dX]", text):
            raise IDNumberError(f"身份证号应为18位（现为{len(text)}位）")
    born = _birth(text[6:14])
    today = today or dt.date.today()
    if born is None or born > today or born.year < 1900:
        raise IDNumberError(f"身份证号{mask(text)}中的出生日期无效")
    if check_char(text[:17]) != text[17]:
        raise IDNumberError(f"身份证号{mask(text)}校验位错误")
    return text


def is_valid(raw) -> bool:
    try:
        normalize(raw)
    except IDNumberError:
        return False
    return True


def birth_date(number: str) -> dt.date:
    return _birth(number[6:14])


def gender(number: str) -> str:
    """'M' or 'F' from the 17th digit (odd = male)."""
    return "M" if int(number[16]) % 2 else "F"


def mask(number: str) -> str:
    """610***********1234 — first 3 and last 4 kept."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
