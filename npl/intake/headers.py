"""Header detection: the first row (among the first 10) that holds every required column."""
import re
import unicodedata
from dataclasses import dataclass, field

from npl.intake.normalize import parse_date_text, text
from npl.intake.readers import UnusableFile

HEADER_SEARCH_ROWS = 10
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "{": "(", "}": ")"})


def norm_header(value) -> str:
    """Compare headers ignoring spaces, full/half width, bracket style and a required-mark asterisk."""
    s = unicodedata.normalize("NFKC", text(value)).translate(_BRACKETS)
    s = re.sub(r"[\s*＊:：]", "", s)
    return s.lower()


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the canonical Chinese header, shown in messages and templates
    synonyms: tuple = ()
    required: bool = False

    @property
    def names(self) -> set[str]:
        return {norm_header(n) for n in (self.label, *self.synonyms)}


@dataclass
class Header:
    row_no: int
    index: dict  # field -> column index
    unknown: list = field(default_factory=list)
    as_of_hint: object = None  # a 统计日期 found above the header


def find_header(first_rows: list[tuple[int, list]], columns: list[Column]) -> Header:
    """Locate the header row; raise UnusableFile naming the missing required columns."""
    lookup = {}
    for col in columns:
        for n in col.names:
            lookup.setdefault(n, col.field)
    required = [c for c in columns if c.required]
    best, best_missing = None, None
    as_of_hint = None
    for row_no, cells in first_rows[:HEADER_SEARCH_ROWS]:
        index, unknown = {}, []
        for i, cell in enumerate(cells):
            h = norm_header(cell)
            if not h:
                continue
            f = lookup.get(h)
            if f and f not in index:
                index[f] = i
            else:
                unknown.append(text(cell))
        missing = [c for c in required if c.field not in index]
        if not missing:
            return Header(row_no=row_no, index=index, unknown=unknown, as_of_hint=as_of_hint)
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = row_no, missing
        as_of_hint = as_of_hint or _stat_date(cells)
    if best_missing is None or best is None:
        raise UnusableFile("文件为空：前10行中没有找到表头")
    names = "、".join(c.label for c in best_missing)
    if len(best_missing) == len(required):
        raise UnusableFile(f"前10行中没有找到表头：应包含以下列：{'、'.join(c.label for c in required)}")
    raise UnusableFile(f"表头（第{best}行）缺少必需的列：{names}")


def _stat_date(cells: list):
    """A title-row cell like 统计日期：2026年03月31日 gives the file's as-of date."""
    for cell in cells:
        s = text(cell)
        m = re.search(r"(统计日期|数据日期|截止日期|截至日期|报表日期)\s*[:：]?\s*(.+)$", s)
        if m:
            candidate = re.split(r"\s{2,}|单位", m.group(2))[0].strip()
            d = parse_date_text(candidate)
            if d:
                return d
    return None
