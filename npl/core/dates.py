"""Dates as people type them in the forms INTAKE.md accepts (2019-03-15, 2019/3/15, 2019.03.15, 20190315, 2019年3月15日)."""
import datetime as dt
import re
import unicodedata

_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
]


def parse_date_text(s: str) -> dt.date | None:
    """One of the INTAKE.md forms, or None when the text is not a date."""
    s = unicodedata.normalize("NFKC", s).strip().replace(" ", " ")
    s = re.sub(r"\s*([年月日])\s*", r"\1", s)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None
