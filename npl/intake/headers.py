"""Header detection: the first row (among the first 10) that holds every required column.

A header cell may carry its unit (贷款金额（元）, 本金余额(万元), 余额（万）); a note row above the header
(单位：万元, 金额单位：元, （单位：万元）) or a group cell above a two-row header states it for every
amount column that does not state its own. Two columns that both name one field are refused unless a
column mapping (`overrides`: field → the column's name as written) says which one to read.
"""
import re
import unicodedata
from dataclasses import dataclass, field

from npl.intake.normalize import parse_date_text, text
from npl.intake.readers import UnusableFile

HEADER_SEARCH_ROWS = 10
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "{": "(", "}": ")"})
# A unit at the end of a header cell: (元) (万元) (万) (单位：万元) (人民币元) (%).
_UNIT_SUFFIX = re.compile(r"\((?:金额)?(?:单位)?[:：]?(?:人民币)?(万元|元|万|%)\)$")
# A unit stated in a note row or group cell: 单位：万元, 金额单位：元, （单位：万元）.
_UNIT_NOTE = re.compile(r"单位\s*[:：]?\s*(?:人民币)?\s*(万元|元)(?![\w])")
# Amount fields of every kind: a stated unit applies to these (rates and counts keep their own).
MONEY_FIELDS = {"amount", "balance", "interest", "principal", "promise_amount"}
YUAN, WAN = "元", "万元"


def _fold(value) -> str:
    s = unicodedata.normalize("NFKC", text(value)).translate(_BRACKETS)
    return re.sub(r"[\s*＊]", "", s)


def split_unit(value) -> tuple[str, str]:
    """A header cell as (its name compared ignoring spaces, width, brackets, a required-mark asterisk
    and a trailing colon, its stated unit: 元, 万元, % or '')."""
    s = _fold(value)
    unit = ""
    m = _UNIT_SUFFIX.search(s)
    if m and m.start() > 0:
        unit = {"万": WAN}.get(m.group(1), m.group(1))
        s = s[: m.start()]
    return re.sub(r"[:：]", "", s).lower(), unit


def norm_header(value) -> str:
    """Compare headers ignoring spaces, full/half width, bracket style, a required-mark asterisk and a unit."""
    return split_unit(value)[0]


def note_unit(cells) -> str:
    """The unit a note row states (单位：万元 → 万元), or ''."""
    for cell in cells:
        m = _UNIT_NOTE.search(_fold(cell))
        if m:
            return m.group(1)
    return ""


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
    labels: dict = field(default_factory=dict)  # field -> the header cell as written (the JSON report's "columns")
    units: dict = field(default_factory=dict)  # money field -> 元 or 万元 (as stated; 元 when nothing is)
    unstated: set = field(default_factory=set)  # money fields whose unit the file states nowhere (read as 元)


class AmbiguousColumns(UnusableFile):
    """Two columns name one field and no mapping says which to read (exit 2)."""


class HeaderProblem(UnusableFile):
    """No usable header: a required column missing or a mapping naming a column the file lacks (exit 2)."""


def resolve_overrides(columns: list[Column], mapping: dict | None) -> dict:
    """A mapping written by people (字段 → 列名, the field by its label, a synonym or its code) as field → column."""
    out = {}
    by_name = {}
    for col in columns:
        by_name[col.field] = col.field
        for n in col.names:
            by_name.setdefault(n, col.field)
    for key, column in (mapping or {}).items():
        f = by_name.get(key) or by_name.get(norm_header(key))
        if f is None:
            known = "、".join(c.label for c in columns)
            raise UnusableFile(f"列映射中的字段“{key}”不存在（可用字段：{known}）")
        if text(column):
            out[f] = text(column)
    return out


def _cell_label(cell) -> str:
    """A header cell as written (brackets and width kept), without its spaces and line breaks."""
    return re.sub(r"\s+", "", cell if isinstance(cell, str) else text(cell))


def _match(cells: list, lookup: dict, overrides: dict):
    """Which columns of one row name which field: (field → [column index], unknown labels)."""
    wanted = {norm_header(c): f for f, c in overrides.items()}
    found: dict[str, list[int]] = {}
    unknown = []
    for i, cell in enumerate(cells):
        h = norm_header(cell)
        if not h:
            continue
        f = wanted.get(h) or wanted.get(_fold(cell).lower())
        if f is None:
            f = lookup.get(h)
            if f in overrides:  # the mapping chose another column for this field
                f = None
        if f is None:
            unknown.append(_cell_label(cell))
        else:
            found.setdefault(f, []).append(i)
    return found, unknown


def _combined(cells: list, above: list | None) -> list:
    """A two-row header read as one: a blank cell takes the cell above it (a vertically merged cell)."""
    if not above:
        return cells
    width = max(len(cells), len(above))
    return [(cells[i] if i < len(cells) and text(cells[i]) else (above[i] if i < len(above) else "")) for i in range(width)]


def find_header(first_rows: list[tuple[int, list]], columns: list[Column], overrides: dict | None = None) -> Header:
    """Locate the header row; raise UnusableFile naming the missing required columns or the ambiguous ones."""
    overrides = overrides or {}
    lookup = {}
    for col in columns:
        for n in col.names:
            lookup.setdefault(n, col.field)
    required = [c for c in columns if c.required]
    rows = first_rows[:HEADER_SEARCH_ROWS]
    best, best_missing = None, None

    def attempt(k: int):
        row_no, cells = rows[k]
        variants = [cells]
        if k > 0:
            variants.append(_combined(cells, rows[k - 1][1]))
        result = None
        for variant in variants:
            found, unknown = _match(variant, lookup, overrides)
            missing = [c for c in required if c.field not in found]
            if result is None or len(missing) < len(result[2]) or (not missing and len(found) > len(result[1])):
                result = (variant, found, missing, unknown)
        return result

    for k in range(len(rows)):
        variant, found, missing, unknown = attempt(k)
        if missing:
            if best_missing is None or len(missing) < len(best_missing):
                best, best_missing = rows[k][0], missing
            continue
        # The row under it may be the second row of a two-row header that names more fields.
        if k + 1 < len(rows):
            nxt = attempt(k + 1)
            if not nxt[2] and len(nxt[1]) > len(found) and all(f in nxt[1] for f in found):
                k += 1
                variant, found, missing, unknown = nxt
        return _header(rows, k, variant, found, unknown, columns, overrides)
    if best_missing is None or best is None:
        raise HeaderProblem("文件为空：前10行中没有找到表头")
    names = "、".join(c.label for c in best_missing)
    if len(best_missing) == len(required):
        raise HeaderProblem(f"前10行中没有找到表头：应包含以下列：{'、'.join(c.label for c in required)}")
    hint = "（表头中的列名带单位时请写作“贷款金额（元）”或“贷款金额（万元）”；也可指定列映射）"
    raise HeaderProblem(f"表头（第{best}行）缺少必需的列：{names}{hint}")


def _header(rows, k, cells, found, unknown, columns, overrides) -> Header:
    row_no = rows[k][0]
    labels_of = {c.field: c.label for c in columns}
    for f, idx in found.items():
        if len(idx) > 1:
            names = "”和“".join(_cell_label(cells[i]) for i in idx)
            where = "、".join(f"第{i + 1}列" for i in idx)
            label = labels_of[f]
            raise AmbiguousColumns(
                f"表头（第{row_no}行）中“{names}”（{where}）都对应字段“{label}”，无法确定读哪一列："
                f"请删去多余的列，或指定列映射（命令行 --map {label}={_cell_label(cells[idx[-1]])}，或在上传页面选择）"
            )
    for f, column in overrides.items():
        if f not in found:
            raise HeaderProblem(f"列映射指定“{labels_of[f]}”读取“{column}”列，但表头（第{row_no}行）中没有这一列")
    index = {f: idx[0] for f, idx in found.items()}
    above = [cells for _, cells in rows[:k]]
    as_of_hint = None
    stated = ""
    for cells_above in above:
        as_of_hint = as_of_hint or _stat_date(cells_above)
        stated = note_unit(cells_above) or stated
    group = rows[k - 1][1] if k > 0 else []
    units, unstated = {}, set()
    for f, i in index.items():
        if f not in MONEY_FIELDS:
            continue
        own = split_unit(cells[i])[1]
        if own not in (YUAN, WAN):
            group_cell = group[i] if i < len(group) else None
            own = split_unit(group_cell)[1] or note_unit([group_cell])
        units[f] = own if own in (YUAN, WAN) else (stated or YUAN)
        if own not in (YUAN, WAN) and not stated:
            unstated.add(f)
    return Header(
        row_no=row_no,
        index=index,
        unknown=unknown,
        as_of_hint=as_of_hint,
        labels={f: _cell_label(cells[i]) for f, i in sorted(index.items(), key=lambda kv: kv[1])},
        units=units,
        unstated=unstated,
    )


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


def header_candidates(first_rows: list[tuple[int, list]], columns: list[Column]) -> tuple[int | None, list[str]]:
    """The row that looks most like the header (most fields named, a two-row header read as one) and its
    non-blank cells as written: what a person chooses from when mapping columns on the preview."""
    lookup = {}
    for col in columns:
        for n in col.names:
            lookup.setdefault(n, col.field)
    rows = first_rows[:HEADER_SEARCH_ROWS]
    best, best_found = None, -1
    for k, (row_no, cells) in enumerate(rows):
        for variant in ([cells, _combined(cells, rows[k - 1][1])] if k else [cells]):
            found, _ = _match(variant, lookup, {})
            if len(found) > best_found:
                best, best_found = (row_no, variant), len(found)
    if best is None:
        return None, []
    labels = []
    for cell in best[1]:
        label = _cell_label(cell)
        if label and label not in labels:
            labels.append(label)
    return best[0], labels
