#!/usr/bin/env python3
"""Measure: the upload limits keep an import worker small on a zip bomb (issue 14 point 4).

Builds a ~1.5 MB .xlsx whose one sheet unpacks to ~1.5 GB (a header row, then millions of identical
rows), runs `npl import loans FILE --dry-run --json` on it in a fresh SQLite database, and prints the exit
code, the message and the child's peak memory (max RSS). With --honest N it also imports an N-loan bank
export built like benchmarks/import_loans.py, to show the unpacked size and ratio an honest file has
next to the limits (NPL_IMPORT_MAX_UNPACKED_MB, NPL_IMPORT_MAX_RATIO).

    .venv/bin/python benchmarks/intake_limits.py [--gb 1.5] [--honest 100000]
Never a test: memory and time vary by machine.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NPL = str(ROOT / ".venv" / "bin" / "npl")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
HEADER = ["借据号", "借款人", "身份证号", "乡镇", "网点", "贷款金额", "贷款余额", "发放日期", "到期日期", "担保方式"]


def _inline(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def write_bomb(path: Path, gigabytes: float) -> None:
    """A valid .xlsx: its sheet holds one header row and identical data rows up to `gigabytes` unpacked."""
    cols = "ABCDEFGHIJ"
    head = "".join(_inline(f"{c}1", h) for c, h in zip(cols, HEADER, strict=True))
    # Rows and cells without r= numbers (positional, as the format allows) repeat byte for byte.
    # Long runs of one character deflate about 1000:1, the most deflate can do: ~1.5 MB for 1.5 GB.
    row = "<row>" + '<c t="inlineStr"><is><t>' + "x" * 20000 + "</t></is></c>" + "</row>"
    block = row.encode() * 2000
    target = int(gigabytes * 1024**3)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            out.write(f'<row r="1">{head}</row>'.encode())
            written = 0
            while written < target:
                out.write(block)
                written += len(block)
            out.write(b"</sheetData></worksheet>")


def run(path: Path, data_dir: Path) -> dict:
    env = {**os.environ, "NPL_DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir / 'db.sqlite3'}"}
    subprocess.run([NPL, "migrate", "-v", "0"], env=env, check=True)
    # A fresh wrapper process per import, so its RUSAGE_CHILDREN peak is the import's alone (not migrate's).
    probe = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "sys.stdout.write(p.stderr[:300].replace(chr(10), ' ') + chr(10) + str(p.returncode) + ' ' + "
             "str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))")
    cmd = [NPL, "import", "loans", str(path), "--dry-run", "--json", "--create-units", "--as-of", "2026-03-31"]
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", probe, *cmd], env=env, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    message, last = out.rsplit("\n", 1)
    code, peak_kib = last.split()
    return {"exit": int(code), "stderr": message.strip(), "seconds": round(seconds, 1), "peak_rss_mib": round(int(peak_kib) / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gb", type=float, default=1.5)
    parser.add_argument("--honest", type=int, default=0, help="also import an honest export of this many loans")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bomb = tmp / "bomb.xlsx"
        write_bomb(bomb, args.gb)
        with zipfile.ZipFile(bomb) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
        print(f"bomb: {bomb.stat().st_size / 1024**2:.2f} MB packed, {unpacked / 1024**3:.2f} GB unpacked")
        print("  ", run(bomb, tmp / "a"))
        if args.honest:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            import import_loans  # the benchmark's own generator of a bank export

            honest = tmp / "honest.xlsx"
            import_loans.write_export(honest, args.honest)
            with zipfile.ZipFile(honest) as zf:
                infos = zf.infolist()
                worst = max(i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1024**2)
                unpacked = sum(i.file_size for i in infos)
            print(f"honest {args.honest} loans: {honest.stat().st_size / 1024**2:.1f} MB packed, "
                  f"{unpacked / 1024**2:.0f} MB unpacked, worst part ratio {worst:.1f}")
            print("  ", run(honest, tmp / "b"))


if __name__ == "__main__":
    main()
