"""Spreadsheet readers: .xlsx/.xls (python-calamine), .csv (UTF-8 with/without BOM, or GB18030) and an
HTML table saved as .xls (what many bank web systems export).

Rows stream as (row number as the spreadsheet shows it, list of cells). ID cells are never pushed
through float by us: calamine hands text cells over as text, and numeric cells are refused later.

Before anything is read the file is checked: its bytes must be what its extension says (zip for .xlsx,
OLE for .xls, …), and it must stay within the upload limits (file size; for zip-based files the unpacked
size and compression ratio of every part, counted while streaming, so a zip bomb is refused before
calamine inflates it). Merged cells in the header region are filled with their value, as a person sees
them; rows hidden in an .xlsx sheet (from its XML) or an .xls (xlrd's row info) are listed (`Sheet.hidden_rows`).
"""
import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from python_calamine import CalamineWorkbook

log = logging.getLogger(__name__)


class UnusableFile(Exception):
    """The file cannot be used at all (exit 2): unreadable, no header, a required column missing."""


SPREADSHEET = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
ZIP_BASED = {".xlsx", ".xlsm", ".xlsb", ".ods"}
# Merged cells are filled with their value within the first rows (the header region, two-row headers):
# below, a merged amount would count twice in a total.
MERGE_FILL_ROWS = 12

MB = 1024 * 1024
DEFAULT_LIMITS = {"NPL_IMPORT_MAX_FILE_MB": 50, "NPL_IMPORT_MAX_UNPACKED_MB": 300, "NPL_IMPORT_MAX_RATIO": 100,
                  "NPL_IMPORT_MAX_ROWS": 300_000}


# Set within `own_files()`: the files imported there were written by this installation itself.
_OWN_FILES: ContextVar[bool] = ContextVar("npl_intake_own_files", default=False)


def limit(name: str) -> int:
    """An upload limit from settings (with its safe default); none within `own_files()`."""
    if _OWN_FILES.get():
        return 2**62
    return int(getattr(settings, name, DEFAULT_LIMITS[name]))


@contextmanager
def own_files():
    """Import files this installation wrote itself (the demo's generated files) without the upload limits.

    The limits guard against files from outside: a zip bomb, a runaway export. A demo district of a million loans
    writes a 118 MB bank file of a million rows, over the default 50 MB and 300,000 rows; refusing it would only
    say that the demo cannot load the size it was asked for. Every other check (file kind, header, rows) stays."""
    token = _OWN_FILES.set(True)
    try:
        yield
    finally:
        _OWN_FILES.reset(token)


# -- what a file really is -----------------------------------------------------------------------------
KIND_NAMES = {
    "zip": "ZIP 压缩包格式的表格（.xlsx）",
    "ole": "旧版 Excel 格式（.xls）",
    "html": "网页（HTML）",
    "pdf": "PDF 文档",
    "xml": "XML 文件（如 Excel 2003 XML 表格）",
    "text": "纯文本（如 CSV）",
    "utf16": "Unicode 文本（UTF-16）",
    "binary": "无法识别的二进制文件",
    "empty": "空文件",
}
EXPECTED = {".xlsx": {"zip"}, ".xlsm": {"zip"}, ".xlsb": {"zip"}, ".ods": {"zip"}, ".xls": {"ole", "html"}, ".csv": {"text", "utf16"}}
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<table|<head|<meta|<body|<!--)", re.I)


def sniff(head: bytes) -> str:
    """What the first bytes of a file say it is: zip, ole, html, pdf, xml, text, binary or empty."""
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"  # Excel's 另存为“Unicode 文本”: UTF-16 with a byte-order mark, tab-separated
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if _HTML_START.match(body) or re.search(rb"<(?:html|table)[\s>]", body[:4096], re.I):
        return "html"
    if body.lstrip().startswith(b"<?xml"):
        return "xml"
    if b"\x00" in body[:4096]:
        return "binary"
    return "text"


def check_file(path: Path) -> str:
    """Refuse a file over the size limit or whose bytes are not what its extension says; return its kind."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise UnusableFile(f"无法读取文件：{exc.strerror}") from exc
    max_mb = limit("NPL_IMPORT_MAX_FILE_MB")
    if size > max_mb * MB:
        raise UnusableFile(f"文件过大：{size / MB:.1f} MB，上限为 {max_mb} MB（可分成几个文件上传）")
    kind = sniff(head)
    expected = EXPECTED.get(suffix)
    if expected is None:
        raise UnusableFile(f"不支持的文件类型“{suffix or path.name}”：请上传 .xlsx、.xls 或 .csv 文件")
    if kind == "empty":
        raise UnusableFile("文件是空的")
    if kind not in expected:
        raise UnusableFile(
            f"无法打开：文件扩展名是 {suffix}，但内容是{KIND_NAMES[kind]}，不是 {suffix} 文件："
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传"
        )
    return kind


# -- zip parts: unpacked size and ratio, counted while streaming; hidden rows on the way ----------------
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NO = re.compile(rb'\br="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
# A formula cell and its cached value (absent when the writer never calculated it).
_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v>([^<]*)<)?'
)
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_CALC_ON_LOAD = re.compile(rb'<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad="(?:1|true)"')


def _sheet_part(zf: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The zip path of the sheet calamine will read (the first, or the one named), from workbook.xml."""
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    sheets = re.findall(r"<(?:\w+:)?sheet\b([^>]*)/?>", book)
    target_id = None
    for attrs in sheets:
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\br:id="([^"]*)"|\bid="([^"]*)"', attrs)
        if rid and (sheet is None or (name and _xml_unescape(name.group(1)) == sheet)):
            target_id = rid.group(1) or rid.group(2)
            break
    if target_id is None:
        return None
    for rel in re.findall(r"<(?:\w+:)?Relationship\b([^>]*)/?>", rels):
        if re.search(rf'\bId="{re.escape(target_id)}"', rel):
            target = re.search(r'\bTarget="([^"]*)"', rel).group(1)
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


# What a zip holding no workbook is, by the part that names it (a Word file renamed .xlsx is common).
_ZIP_DOCUMENTS = (
    ("word/document.xml", "Word 文档（.docx）"),
    ("ppt/presentation.xml", "PowerPoint 演示文稿（.pptx）"),
    ("content.xml", "OpenDocument 文档"),
)


def _zip_document(zf: zipfile.ZipFile) -> str | None:
    """None when the zip holds a workbook (.xlsx, .xlsm, .xlsb or .ods), else what it is."""
    names = set(zf.namelist())
    if names & {"xl/workbook.xml", "xl/workbook.bin"}:
        return None
    if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return None
    return next((what for part, what in _ZIP_DOCUMENTS if part in names), "普通 ZIP 压缩包")


def _xml_unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def check_zip(path: Path, sheet: str | None = None) -> set[int]:
    """Refuse a zip whose parts unpack beyond the limits (declared sizes first, then the bytes really
    inflated, streamed in blocks); return the sheet's hidden row numbers (1-based, as Excel shows them)."""
    max_unpacked = limit("NPL_IMPORT_MAX_UNPACKED_MB") * MB
    max_ratio = limit("NPL_IMPORT_MAX_RATIO")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnusableFile(f"表格文件已损坏，无法打开（ZIP 结构错误：{exc}）") from exc

    def too_big(name, unpacked, packed):
        if unpacked > max_unpacked:
            return f"文件内容“{name}”解压后超过 {max_unpacked // MB} MB，超出上限（可能是压缩炸弹或过大的表格）"
        if packed and unpacked > 1 * MB and unpacked / packed > max_ratio:
            return f"文件内容“{name}”的压缩比超过 {max_ratio} 倍，超出上限（可能是压缩炸弹）"
        return None

    hidden: set[int] = set()
    with zf:
        infos = zf.infolist()
        other = _zip_document(zf)
        if other:
            raise UnusableFile(
                f"无法打开：文件扩展名是 {path.suffix.lower()}，但内容是{other}，不是表格：请上传 Excel 或 WPS 表格文件（.xlsx、.xls）"
            )
        total = sum(i.file_size for i in infos)
        if total > max_unpacked:
            raise UnusableFile(f"表格文件解压后共 {total / MB:.0f} MB，超过上限 {max_unpacked // MB} MB（可能是压缩炸弹或过大的表格）")
        for info in infos:
            problem = too_big(info.filename, info.file_size, info.compress_size)
            if problem:
                raise UnusableFile(problem)
        sheet_part = _sheet_part(zf, sheet)
        stale = _StaleFormulas(zf)
        inflated = 0
        for info in infos:
            if info.is_dir():
                continue
            scan = info.filename == sheet_part
            seen, tail, row_count = 0, b"", 0
            ftail = b""
            try:
                with zf.open(info) as part:
                    while block := part.read(1 << 20):
                        seen += len(block)
                        inflated += len(block)
                        problem = too_big(info.filename, seen, info.compress_size) or too_big("全部内容", inflated, 0)
                        if problem:
                            raise UnusableFile(problem)
                        if scan:
                            data = tail + block
                            cut = data.rfind(b"<")
                            data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                            row_count = _scan_rows(data, row_count, hidden)
                            # Formula cells, cut at a cell's end so a cell is never split between blocks.
                            fdata = ftail + block
                            ends = [m.end() for m in _CELL_END.finditer(fdata, max(0, len(fdata) - 65536))]
                            cut = ends[-1] if ends else 0
                            fdata, ftail = fdata[:cut], fdata[cut:]
                            stale.scan(fdata)
                    stale.scan(ftail)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
                raise UnusableFile(f"表格文件已损坏：“{info.filename}”无法解压（{exc}）") from exc
        stale.check()
    return hidden


def _scan_rows(data: bytes, row_count: int, hidden: set[int]) -> int:
    """Add the hidden rows among the row tags of `data` to `hidden`; return the row number reached (a row tag
    without r="…" is the one after the last). A block with no hidden attribute whose last row tag carries its
    number, the usual case, is read without a step per row: a sheet's XML is 1 KB a row."""
    if b'hidden="' not in data:
        last = data.rfind(b"<row")
        if last >= 0:
            no = _ROW_NO.search(data, last, data.find(b">", last) + 1)
            if no is not None and b":row" not in data[last:]:
                return int(no.group(1))
        elif b":row" not in data:
            return row_count  # no row starts here
    for m in _ROW_TAG.finditer(data):
        row_count += 1
        attrs = m.group(1)
        if _HIDDEN.search(attrs):
            no = _ROW_NO.search(attrs)
            hidden.add(int(no.group(1)) if no else row_count)
        elif (no := _ROW_NO.search(attrs)) is not None:
            row_count = int(no.group(1))
    return row_count


class _StaleFormulas:
    """Formula cells of the sheet that were never calculated. A program writing .xlsx (POI, openpyxl,
    XlsxWriter) leaves a formula's value out, or writes 0 and asks Excel to calculate on opening
    (fullCalcOnLoad); read as they are, such amounts would be empty or 0. Excel, WPS and LibreOffice always
    save the values, so opening and saving the file once mends it."""

    def __init__(self, zf: zipfile.ZipFile):
        try:
            self.calc_on_load = bool(_CALC_ON_LOAD.search(zf.read("xl/workbook.xml")))
        except KeyError:
            self.calc_on_load = False
        self.count, self.first = 0, None

    def scan(self, data: bytes) -> None:
        if b"<f" not in data and b":f" not in data:
            return  # no formula here (the common case: a quick test before the pattern)
        for m in _FORMULA_CELL.finditer(data):
            value = m.group(2)
            if value is None or (self.calc_on_load and value.strip() in (b"", b"0")):
                self.count += 1
                self.first = self.first or m.group(1).decode()

    def check(self) -> None:
        """Raises UnusableFile naming the first uncalculated formula cell."""
        if not self.count:
            return
        more = f"等{self.count}个单元格" if self.count > 1 else ""
        raise UnusableFile(
            f"表格中的公式没有计算结果：{self.first}{more}是公式，文件保存时未计算（多为程序生成、未经 Excel 或 WPS "
            "打开保存），按原样读取金额会是空或 0：请用 Excel 或 WPS 打开该文件、保存后再上传"
        )


# -- CSV and HTML text -----------------------------------------------------------------------------------
def _where(raw: bytes, pos: int) -> str:
    line = raw.count(b"\n", 0, pos) + 1
    col = pos - (raw.rfind(b"\n", 0, pos) + 1) + 1
    return f"第{line}行第{col}个字节"


def decode_text(raw: bytes, what: str = "CSV 文件", declared: str | None = None) -> str:
    """UTF-8 (with or without BOM) or GB18030; any bytes that decode in neither are refused saying where."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnusableFile(
                f"{what}编码错误：文件开头标明是 UTF-8，但{_where(raw, exc.start + 3)}不是 UTF-8 字符"
                "（可能是 GBK 内容加了 UTF-8 标记）：请用 Excel 或 WPS 另存为“CSV UTF-8”后重新上传"
            ) from exc
    encodings = ["utf-8", "gb18030"]
    if declared and declared.lower().replace("_", "-") in {"gbk", "gb2312", "gb18030"}:
        encodings = ["gb18030", "utf-8"]
    first_error = None
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
    raise UnusableFile(
        f"{what}编码无法识别：{_where(raw, first_error.start)}既不是 UTF-8 也不是 GB18030（GBK）字符："
        "请另存为 UTF-8 或 GB18030（GBK）编码"
    )


class _TableParser(HTMLParser):
    """The first <table> of a page as rows of cell texts, with colspan/rowspan kept as positions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.depth = 0  # nesting of <table>; only the first top-level table is read
        self.done = False
        self.cell: list[str] | None = None
        self.spans: list[tuple[int, int]] = []  # (colspan, rowspan) per cell of the current row
        self.row: list[str] | None = None
        self.row_spans: list[list[tuple[int, int]]] = []

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self._end_row()  # sloppy exports leave out </tr> and </td>
            self.row, self.spans = [], []
        elif self.depth == 1 and tag in ("td", "th") and self.row is not None:
            self._end_cell()
            a = dict(attrs)
            self.cell = []
            self.spans.append((_span(a.get("colspan")), _span(a.get("rowspan"))))
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if self.done:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table":
            if self.depth == 1:
                self._end_row()
            self.depth -= 1
            if self.depth == 0 and self.rows:
                self.done = True

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def _end_cell(self):
        if self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
        self.cell = None

    def _end_row(self):
        if self.row is not None:
            self._end_cell()
            self.rows.append(self.row)
            self.row_spans.append(self.spans)
        self.row = None


def _span(value) -> int:
    try:
        return max(1, min(int(value), 1000))
    except (TypeError, ValueError):
        return 1


def _html_rows(raw: bytes) -> list[list[str]]:
    """Cells laid out on the grid a browser shows (a rowspan/colspan cell's value fills its area in the
    header region, and leaves the rest of its area blank further down)."""
    m = re.search(rb"<meta[^>]*charset=[\"']?([\w-]+)", raw[:4096], re.I)
    parser = _TableParser()
    parser.feed(decode_text(raw, "网页表格文件", m.group(1).decode("ascii") if m else None))
    parser.close()
    if not parser.rows:
        raise UnusableFile("文件是网页（HTML），但其中没有表格")
    grid: dict[tuple[int, int], str] = {}
    width = 0
    for r, (cells, spans) in enumerate(zip(parser.rows, parser.row_spans, strict=False)):
        c = 0
        for value, (colspan, rowspan) in zip(cells, spans, strict=False):
            while (r, c) in grid:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    fill = value if (dr == 0 and dc == 0) or r + dr < MERGE_FILL_ROWS else ""
                    grid[(r + dr, c + dc)] = fill
            c += colspan
            width = max(width, c)
    height = max((r for r, _ in grid), default=-1) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


# -- the sheet --------------------------------------------------------------------------------------------
@dataclass
class Sheet:
    """A sheet being read: its rows (streamed once) and the row numbers hidden in it."""

    rows: Iterator[tuple[int, list]]
    hidden_rows: set = field(default_factory=set)
    last_row: int | None = None  # the last row the format can hold (SHEET_LAST_ROW); None: no such limit


# The last row a sheet can hold (Excel 2007+ and LibreOffice: 2^20; Excel 97–2003: 2^16). Data on it means the
# program that wrote the file stopped there: Excel drops what does not fit when it opens or saves a larger export,
# and says so only to the person saving. CSV and HTML tables have no such row.
SHEET_LAST_ROW = {".xlsx": 1_048_576, ".xlsm": 1_048_576, ".xlsb": 1_048_576, ".ods": 1_048_576, ".xls": 65_536}


def open_sheet(path: str | Path, sheet: str | None = None) -> Sheet:
    """Check the file, then open the first sheet (or `sheet`) for reading; row numbers count from 1."""
    path = Path(path)
    kind = check_file(path)
    suffix = path.suffix.lower()
    if kind == "text":
        raw = path.read_bytes()
        text = decode_text(raw)
        return Sheet(rows=enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    if kind == "utf16":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnusableFile(f"Unicode 文本编码错误：{_where(raw, exc.start)}不是 UTF-16 字符：请另存为“CSV UTF-8”后重新上传") from exc
        # Excel writes its Unicode text with tabs; a UTF-16 file holding commas only is comma-separated.
        delimiter = "\t" if "\t" in text[:4096] else ","
        return Sheet(rows=enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1))
    if kind == "html":
        return Sheet(rows=enumerate(_html_rows(path.read_bytes()), start=1))
    hidden = check_zip(path, sheet) if suffix in ZIP_BASED else _xls_hidden_rows(path, sheet)
    return Sheet(rows=_calamine_rows(path, sheet), hidden_rows=hidden, last_row=SHEET_LAST_ROW.get(suffix))


def other_sheets(path: str | Path) -> list[str]:
    """The visible sheets of a workbook after its first one (none for CSV, HTML or an unreadable file)."""
    path = Path(path)
    if path.suffix.lower() not in {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}:
        return []
    try:
        sheets = CalamineWorkbook.from_path(str(path)).sheets_metadata
    except Exception:  # noqa: BLE001 - the first sheet was read, so the file opens; nothing more to offer
        return []
    return [m.name for m in sheets[1:] if str(m.visible).endswith("Visible") and str(m.typ).endswith("WorkSheet")]


def _xls_hidden_rows(path: Path, sheet: str | None) -> set[int]:
    """Hidden rows of an old .xls (BIFF): calamine does not expose row visibility, xlrd's row info does."""
    import xlrd  # only for .xls files

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except Exception:  # noqa: BLE001 - calamine reads the file and says what is wrong with it, if anything
        log.warning("xlrd could not read %s: its hidden rows are not listed", path.name)
        return set()
    try:
        names = book.sheet_names()
        if sheet and sheet not in names:
            return set()
        ws = book.sheet_by_name(sheet) if sheet else book.sheet_by_index(0)
        return {r + 1 for r, info in ws.rowinfo_map.items() if info.hidden}
    finally:
        book.release_resources()


def _calamine_rows(path: Path, sheet: str | None):
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise UnusableFile(f"无法打开表格文件（文件损坏或不是 Excel 文件）：{exc}") from exc
    try:
        if sheet:
            if sheet not in wb.sheet_names:
                raise UnusableFile(f"找不到工作表“{sheet}”（现有：{'、'.join(wb.sheet_names)}）")
            ws = wb.get_sheet_by_name(sheet)
        else:
            if not wb.sheet_names:
                raise UnusableFile("表格文件中没有工作表")
            ws = wb.get_sheet_by_index(0)
        try:
            merged = ws.merged_cell_ranges or []
        except Exception:  # calamine knows merges for .xlsx and .xls only
            merged = []
        start_col = ws.start[1] if ws.start else 0
        top = {}
        areas = []
        for (r0, c0), (r1, c1) in merged:
            if r0 < MERGE_FILL_ROWS:
                areas.append((r0, c0 - start_col, min(r1, MERGE_FILL_ROWS - 1), c1 - start_col))
        # iter_rows starts at row 1 (empty leading rows included) and at the first used column.
        for i, row in enumerate(ws.iter_rows()):
            if areas and i < MERGE_FILL_ROWS:
                row = list(row)
                for r0, c0, r1, c1 in areas:
                    if i == r0 and 0 <= c0 < len(row):
                        top[(r0, c0)] = row[c0]
                    if r0 <= i <= r1 and (r0, c0) in top:
                        for c in range(max(c0, 0), c1 + 1):
                            if c >= len(row):
                                row.extend([""] * (c + 1 - len(row)))
                            if row[c] in ("", None):
                                row[c] = top[(r0, c0)]
            yield i + 1, row
    finally:
        wb.close()


def iter_rows(path: str | Path, sheet: str | None = None) -> Iterator[tuple[int, list]]:
    """Yield (row_no, cells) from the first sheet (or `sheet`); row_no counts from 1 as Excel shows it."""
    yield from open_sheet(path, sheet).rows
