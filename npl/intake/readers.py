"""Spreadsheet readers: .xlsx/.xls (python-calamine) and .csv (UTF-8 with/without BOM, or GB18030).

Rows stream as (row number as the spreadsheet shows it, list of cells). ID cells are never pushed
through float by us: calamine hands text cells over as text, and numeric cells are refused later.
"""
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from python_calamine import CalamineWorkbook


class UnusableFile(Exception):
    """The file cannot be used at all (exit 2): unreadable, no header, a required column missing."""


SPREADSHEET = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


def _decode_csv(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnusableFile("CSV 文件编码无法识别：请另存为 UTF-8 或 GB18030（GBK）编码") from exc


def iter_rows(path: str | Path, sheet: str | None = None) -> Iterator[tuple[int, list]]:
    """Yield (row_no, cells) from the first sheet (or `sheet`); row_no counts from 1 as Excel shows it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UnusableFile(f"无法读取文件：{exc.strerror}") from exc
        reader = csv.reader(io.StringIO(_decode_csv(raw), newline=""))
        for i, row in enumerate(reader, start=1):
            yield i, row
        return
    if suffix not in SPREADSHEET:
        raise UnusableFile(f"不支持的文件类型“{suffix or path.name}”：请上传 .xlsx、.xls 或 .csv 文件")
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
        # iter_rows starts at row 1 (empty leading rows included) and at the first used column.
        for i, row in enumerate(ws.iter_rows(), start=1):
            yield i, row
    finally:
        wb.close()
