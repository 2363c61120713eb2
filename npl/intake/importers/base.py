"""The import pipeline every kind shares: header, two passes, row outcomes, one transaction.

Pass 1 reads and validates every row (nothing written) so that duplicates and refusals are known for the
whole file; pass 2 re-reads the file and writes the accepted rows in chunks (no file-sized object list).
Without --skip-invalid a single refused row rolls the write back; a dry run always rolls back; in both the
counts are exactly what the write would have done.
"""
import datetime as dt
import hashlib
import itertools
import pickle
import tempfile
from dataclasses import dataclass, field

from django.conf import settings

from npl.core import derived
from npl.core.bulk import delete_in, insert_dicts, lock_for_transaction, refresh_planner_statistics, values_by
from npl.intake import layout
from npl.intake.changes import change, flag_counts
from npl.intake.choices import Reason
from npl.intake.headers import AmbiguousColumns, Column, Header, HeaderProblem, find_header, header_candidates
from npl.intake.models import RowDigest
from npl.intake.normalize import RowError, fits, is_blank, text
from npl.intake.readers import UnusableFile, limit, open_sheet, other_sheets
from npl.loans.models import LoanEvent

CHUNK = 2000


@dataclass
class Row:
    """One data row: its spreadsheet number, key, parsed values, and what became of it."""

    row_no: int
    key: str | None
    values: dict
    outcome: str = ""  # created / updated / unchanged
    ref: object = None  # objects an importer resolved in validate (loan, units…)
    digest: str | None = None  # the row as read, with its header, units and as-of day (row_digest)
    fp: bytes = b""  # fingerprint of the parsed values (duplicate detection)
    # A row the last import wrote and nothing has changed since: not parsed (values None); its cells are
    # kept (`raw`, in the pipeline's raw_fields order) for the rare pass that needs its figures.
    state: str | None = None
    raw: tuple | None = None


@dataclass
class Context:
    """What an import knows about its call: who, for which day and scope, with which options."""

    batch: object
    as_of: dt.date
    user: object = None
    township: object = None  # roster scope; None = district-wide
    district: object = None  # the district a bank file is for (`--district`: needed when the installation has several)
    create_units: bool = False
    sub_kind: str = ""
    warnings: list = field(default_factory=list)

    def warn(self, row: Row, message: str) -> None:
        self.warnings.append({"row": row.row_no, "key": row.key, "message": message})


def write_events(events: list[dict]) -> None:
    """Insert history rows given as dicts (core.bulk.insert_dicts: no LoanEvent instances) and refresh their loans'
    stored derived rows, as LoanEvent.objects.bulk_create does."""
    insert_dicts(LoanEvent, events)
    derived.refresh({e["loan_id"] for e in events})


class Rollback(Exception):
    """Raised inside the write transaction to undo it (dry run, or refused rows without --skip-invalid)."""


class Importer:
    """One import kind: its columns, key, row parser, validation against the database and writer."""

    kind = ""
    columns: list[Column] = []
    key_fields: tuple = ()
    # Parsed text values and the model field each is stored in: value name → (model, field name). Their
    # max_length is read from the model, so a longer value is refused, never cut (issue 14 point 6).
    stored_in: dict = {}
    # Amount columns and the range in 元 their figures plausibly lie in; most figures outside it mean the
    # column was read in the wrong unit (layout.UnitCheck): field → (floor, ceiling).
    amount_bounds: dict = {}

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.changes: list[dict] = []  # what pass 2 changes in known objects (changes.change entries)

    # -- unchanged rows (issue 16 point 4) --------------------------------------------------------
    # An importer that can say, per key, the state of what it wrote (`row_states`) lets the pipeline skip a
    # row the last import wrote when neither the row nor that state has changed since: the write would find
    # nothing to do, so the row is `unchanged` without being parsed, validated or compared.
    skips_unchanged = False

    def row_states(self, keys: list) -> dict:
        """{key: a digest of everything write() compares the row with} for the known keys among `keys`."""
        return {}

    def digest_context(self) -> tuple:
        """What besides the cells decides how a row is read and checked (e.g. the user's scope)."""
        return ()

    # -- per kind ---------------------------------------------------------------------------------
    def parse(self, raw: dict) -> dict:
        raise NotImplementedError

    def validate(self, rows: list[Row]) -> list[tuple[Row, RowError]]:
        """Database checks for a chunk (unknown loans, units); return the refused ones."""
        return []

    def write(self, rows: list[Row]) -> None:
        """Write a chunk; set each row's outcome."""
        raise NotImplementedError

    def finish(self, written_keys: set) -> None:
        """After all rows: e.g. a roster ends the memberships of people it no longer lists."""

    def refresh_derived(self) -> None:
        """Bring the stored derived rows (npl.core.derived) of what this file changed up to date, in the import's
        transaction: by default the loans this batch wrote an event for."""
        touched = LoanEvent.objects.filter(batch=self.ctx.batch).values_list("loan_id", flat=True).distinct()
        derived.refresh(set(touched))

    # -- shared -----------------------------------------------------------------------------------
    def key_of(self, values: dict) -> str | None:
        parts = [values.get(f) for f in self.key_fields]
        if any(p in (None, "") for p in parts):
            return None
        return "|".join(str(p) for p in parts)

    def raw_key(self, raw: dict) -> str | None:
        """The key as written in the sheet, for refused rows whose values did not parse."""
        parts = [text(raw.get(f)).replace(" ", "") for f in self.key_fields]
        if not parts or not parts[0]:
            return None
        if any(not p for p in parts):
            return parts[0]
        return "|".join(parts)

    def required_values(self, raw: dict) -> None:
        for name, label in self.required_fields():
            value = raw.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):  # normalize.is_blank, inlined
                raise RowError(Reason.MISSING_FIELD, f"缺少{label}")

    @classmethod
    def required_fields(cls) -> list:
        """(field, label) of the required columns, worked out once per kind (this runs twice for every row)."""
        cached = cls.__dict__.get("_required_fields")
        if cached is None:
            cached = cls._required_fields = [(col.field, col.label) for col in cls.columns if col.required]
        return cached

    def check_values(self, values: dict) -> None:
        """After parse, before any write: every required value is there and every text fits its field.

        A cell can look filled and still hold nothing ("-", a zero-width space, a bidi mark), so the parsed
        value is checked, not only the raw cell (issue 13 point 6).
        """
        for name, label in self.required_fields():
            value = values.get(name, 0)
            if value is None or value == "":
                raise RowError(Reason.MISSING_FIELD, f"缺少{label}")
        for name, max_len in self.max_lengths().items():
            value = values.get(name)
            if type(value) is str and len(value) > max_len:  # the common case costs one len(); fits() words it
                fits(value, self.label_of(name), max_len)

    @classmethod
    def max_lengths(cls) -> dict:
        cached = cls.__dict__.get("_max_lengths")
        if cached is None:
            fields = {name: model._meta.get_field(f) for name, (model, f) in cls.stored_in.items()}
            cached = {name: f.max_length for name, f in fields.items() if f.max_length is not None}
            cls._max_lengths = cached
        return cached

    def label_of(self, name: str) -> str:
        """The Chinese column name of a parsed value (its model field's name when no column has it)."""
        for col in self.columns:
            if col.field == name:
                return col.label
        model, f = self.stored_in[name]
        return str(model._meta.get_field(f).verbose_name)

    def record_change(self, row: Row, field: str, label: str, old, new) -> None:
        """Note one field of a known object that this row changes (shown before it is written)."""
        self.changes.append(change(row, field, label, old, new))

    @classmethod
    def key_label(cls, key):
        """The key as people read it (a kind whose key holds a code shows its Chinese label)."""
        return key


# Bump when a normaliser or a writer changes what a row becomes: stored row digests then no longer match.
DIGEST_VERSION = 1


def row_digest(prefix: bytes, raw: dict) -> str:
    """The row as read (its cells in the header's field order), under `prefix`: the header, units, as-of day."""
    return hashlib.blake2b(prefix + repr(tuple(raw.values())).encode(), digest_size=16).hexdigest()


def fingerprint(values: dict) -> bytes:
    """Rows with one key are identical duplicates when their parsed values match (16 bytes kept per row)."""
    # An importer's parse builds every row's dict in one order, so the items are not sorted (a sort per row).
    return hashlib.blake2b(repr(tuple(values.items())).encode(), digest_size=16).digest()


class Pipeline:
    """Runs an Importer over a file and returns the INTAKE.md report."""

    def __init__(self, importer: Importer, path, sheet=None, progress=None, reading=None, overrides=None):
        self.importer = importer
        self.path = path
        self.sheet = sheet
        self.overrides = overrides or {}  # a column mapping: field -> the column's name as written
        self.sheet_read = None  # another sheet than the first, read because the first had no header
        self.progress = progress or (lambda done, total: None)
        self.reading = reading or (lambda done: None)

    def header(self) -> Header:
        """Find the header in the first rows; the sheet is opened once and the rest read on from there.

        Without a sheet named, a workbook whose first sheet has no header (a cover or 说明 sheet, a hidden
        code table) is read from its first visible sheet that has one; the report names the sheet read."""
        try:
            return self._header_of(self.sheet)
        except HeaderProblem as exc:
            if self.sheet or isinstance(exc, AmbiguousColumns):
                raise
            first_problem = exc
        for name in other_sheets(self.path):
            try:
                header = self._header_of(name)
            except HeaderProblem:
                continue
            self.sheet_read = name
            return header
        raise first_problem

    def _header_of(self, sheet) -> Header:
        opened = open_sheet(self.path, sheet)
        self._rows, self.hidden_rows, self.last_row = opened.rows, opened.hidden_rows, opened.last_row
        self._first = []
        for row_no, cells in self._rows:
            self._first.append((row_no, cells))
            if len(self._first) >= 10:
                break
        try:
            header = find_header(self._first, self.importer.columns, self.overrides)
        except UnusableFile as exc:
            # What the header looked like, so the upload page can offer its columns without reading the file again.
            exc.file_columns = header_candidates(self._first, self.importer.columns)
            raise
        self._layout(header)
        return header

    def _layout(self, header: Header) -> None:
        # Units, the totals check and hidden rows (layout.py): set once the header is known.
        self.units = header.units
        self.wan = {f: u for f, u in header.units.items() if u == layout.WAN}  # columns to convert to 元
        self.labels = {c.field: header.labels.get(c.field, c.label) for c in self.importer.columns}
        self.totals = layout.Totals(header.units, self.labels)
        self.unit_check = layout.UnitCheck(self.importer.amount_bounds, header.units, header.unstated, self.labels)
        self.hidden_read: list[int] = []
        self.max_rows = limit("NPL_IMPORT_MAX_ROWS")

    def data_rows(self, header: Header):
        """(row_no, raw dict) for rows under the header that are neither blank, totals nor signature and note
        lines (one pass only)."""
        index = list(header.index.items())
        width = max((i for _, i in index), default=-1) + 1
        read = 0
        for row_no, cells in itertools.chain(self._first, self._rows):
            if row_no <= header.row_no:
                continue
            for cell in cells:
                if not is_blank(cell):
                    break
            else:
                continue
            if len(cells) >= width:
                raw = {f: cells[i] for f, i in index}
            else:
                raw = {f: (cells[i] if i < len(cells) else None) for f, i in index}
            word = layout.total_word(cells)  # 合计 in any column, not only the first
            if word:
                if word in layout.TOTAL_WORDS:
                    self.totals.stated(row_no, raw)
                continue
            if layout.footer_row(cells):  # 制表人：…  复核人：…, 备注：… under the table
                continue
            if not read and layout.column_numbers_row(cells):  # 栏次 1 2 3 … right under the header
                continue
            if row_no == self.last_row:
                raise UnusableFile(
                    f"第{row_no}行是这种表格文件能容纳的最后一行，这一行还有数据：文件很可能在"
                    "导出或另存时被截断，之后的行已经丢失。请按月份或网点分成几个文件重新导出后再导入")
            read += 1
            if read > self.max_rows:
                raise UnusableFile(f"文件的数据行超过上限 {self.max_rows} 行（第{row_no}行起未读）：请分成几个文件导入")
            if row_no in self.hidden_rows:
                self.hidden_read.append(row_no)
            self.totals.add(raw)
            self.unit_check.add(row_no, raw)
            yield row_no, raw

    def parse_row(self, row_no: int, raw: dict) -> Row:
        imp = self.importer
        try:
            if self.wan:
                raw = layout.to_yuan(raw, self.wan, self.labels)
            imp.required_values(raw)
            values = imp.parse(raw)
            imp.check_values(values)
        except RowError as exc:
            exc.row_no, exc.key = row_no, imp.raw_key(raw)
            raise
        return Row(row_no=row_no, key=imp.key_of(values), values=values)

    def run(self, header: Header, *, skip_invalid: bool, dry_run: bool) -> dict:
        imp = self.importer
        refused, duplicates = [], []
        groups: dict[str, list[tuple[int, str]]] = {}
        rows_read = 0

        # Pass 1: read and validate everything; keep only keys, row numbers and fingerprints. Rows come in
        # chunks: a chunk's rows the last import wrote, unchanged since, are recognised by one lookup.
        chunk: list[Row] = []
        pending: list[tuple[int, dict]] = []
        self._digests_setup(header)

        def flush_validate(chunk):
            for row, err in imp.validate([r for r in chunk if r.values is not None]):
                refused.append(_refusal(row.row_no, row.key, err))
                groups[row.key] = [g for g in groups[row.key] if g[0] != row.row_no]
            chunk.clear()

        def flush_read(pending):
            known = self._unchanged(pending)
            for row_no, raw in pending:
                hit = known.get(row_no)
                if hit is not None:
                    row = hit
                else:
                    try:
                        row = self.parse_row(row_no, raw)
                    except RowError as err:
                        refused.append(_refusal(row_no, err.key, err))
                        continue
                    row.fp = fingerprint(row.values)
                    row.digest = self._row_digests.get(row_no)
                groups.setdefault(row.key, []).append((row_no, row.fp))
                chunk.append(row)
            pending.clear()
            _spool(chunk, spool)
            flush_validate(chunk)

        # Parsed rows go to a temporary file, so pass 2 neither re-reads nor re-parses the sheet and
        # memory stays flat in the file's size.
        spool = tempfile.TemporaryFile()
        for row_no, raw in self.data_rows(header):
            rows_read += 1
            pending.append((row_no, raw))
            if len(pending) >= CHUNK:
                flush_read(pending)
                self.reading(rows_read)
        flush_read(pending)

        to_write: set[int] = set()
        for key, members in groups.items():
            if not members:
                continue
            if len({fp for _, fp in members}) == 1:
                to_write.add(members[0][0])
                duplicates.extend({"row": r, "key": key} for r, _ in members[1:])
            else:
                for r, _ in members:
                    refused.append(
                        {
                            "row": r,
                            "key": key,
                            "reason": Reason.CONFLICTING_DUPLICATE.value,
                            "message": f"{imp.key_label(key)} 在文件中出现多次且内容不一致（第{'、'.join(str(m[0]) for m in members)}行），请核对后保留一行",
                        }
                    )
        # An unstated 万元 or a totals mismatch refuses the file before anything is written.
        try:
            every_row_kept = not refused and not duplicates
            totals = self.totals.check(None if every_row_kept else (lambda: _accepted_sums(spool, to_write, self.units, self._values_of)))
            self.unit_check.check()
        except UnusableFile:
            spool.close()
            raise
        for message in self.totals.rounding:  # accepted, but said: the total agrees only within the rows' rounding
            imp.ctx.warnings.append({"row": self.totals.total_row[0], "key": None, "message": message})

        refused.sort(key=lambda r: r["row"])
        duplicates.sort(key=lambda r: r["row"])

        counts = {"created": 0, "updated": 0, "unchanged": 0}
        roll_back = dry_run or (bool(refused) and not skip_invalid)
        total = len(to_write)
        try:
            with derived.deferred():
                if imp.skips_unchanged:
                    # Two imports of one kind at once would both replace the same keys' RowDigest rows (unique
                    # per kind and key): the second writes once the first has ended, as on SQLite.
                    lock_for_transaction(f"npl.intake.rowdigest:{self.digest_kind}")
                # Pass 2: write the accepted rows chunk by chunk.
                done = 0
                written_keys: set = set()
                chunk = []

                def flush_write(chunk):
                    nonlocal done, roll_back
                    if not chunk:
                        return
                    live = self._still_unchanged(chunk)
                    bad = imp.validate(live)
                    if bad:
                        # Its object changed since the last import wrote the row (read again only now), or the
                        # database changed between the passes: the row is refused as pass 1 would refuse it.
                        late = {row.row_no for row, _ in bad}
                        refused.extend(_refusal(row.row_no, row.key, err) for row, err in bad)
                        live = [r for r in live if r.row_no not in late]
                        chunk[:] = [r for r in chunk if r.row_no not in late]
                        roll_back = roll_back or not skip_invalid
                    warned = len(imp.ctx.warnings)
                    imp.write(live)
                    self._record_digests(live, {w["row"] for w in imp.ctx.warnings[warned:]})
                    for r in chunk:
                        counts[r.outcome] += 1
                        written_keys.add(r.key)
                    done += len(chunk)
                    self.progress(done, total)
                    chunk.clear()

                for row in _spooled(spool):
                    if row.row_no not in to_write:
                        continue
                    chunk.append(row)
                    if len(chunk) >= CHUNK:
                        flush_write(chunk)
                flush_write(chunk)
                imp.finish(written_keys)
                if roll_back:
                    raise Rollback
                if counts["created"] + counts["updated"] >= settings.NPL_ANALYZE_AFTER_ROWS:
                    # The derived rows are computed next, by queries over what was just written: planned on
                    # statistics that still describe the tables as before (empty, on a first load), a query of a
                    # chunk of loans' rows could take an index that reads every row of the day instead.
                    refresh_planner_statistics()
                imp.refresh_derived()
        except Rollback:
            pass
        finally:
            spool.close()
        refused.sort(key=lambda r: r["row"])
        return {
            "rows_read": rows_read,
            **counts,
            "duplicates": duplicates,
            "refused": refused,
            "warnings": sorted(imp.ctx.warnings, key=lambda w: w["row"] or 0),
            "written": not roll_back,
            "unknown_columns": header.unknown,
            **self._layout_report(header, totals),
            **_changes_report(imp.changes),
        }

    # -- unchanged rows -------------------------------------------------------------------------------
    def _digests_setup(self, header: Header) -> None:
        imp = self.importer
        self.raw_fields = tuple(header.index)
        self.digest_kind = imp.kind + (f":{imp.ctx.sub_kind}" if imp.ctx.sub_kind else "")
        # Everything besides a row's cells that decides what it becomes: the kind, the as-of day, which field
        # each cell was read as and its unit (the same numbers under a 万元 header are other figures), the
        # importer's own context, and the version of the normalisers.
        self._prefix = repr((
            DIGEST_VERSION, self.digest_kind, imp.ctx.as_of.isoformat(), self.raw_fields, sorted(header.units.items()),
            imp.digest_context(),
        )).encode()
        self._row_digests: dict[int, str] = {}

    def _unchanged(self, pending: list) -> dict:
        """{row_no: Row} for the rows of a chunk the last import wrote, as read then (not parsed).

        Whether their objects are still as that import left them is asked once, in pass 2 inside the import's
        transaction (`_still_unchanged`): asking here too would read every object's state twice, and pass 2
        must ask anyway, since another hand may change an object between the passes."""
        imp = self.importer
        if not imp.skips_unchanged or not pending:
            return {}
        prefix = self._prefix
        digests = self._row_digests = {row_no: row_digest(prefix, raw) for row_no, raw in pending}
        stored = {d: rest for d, (kind, *rest) in values_by(RowDigest, "digest", digests.values(), "kind", "key", "fingerprint", "state").items()
                  if kind == self.digest_kind}
        if not stored:
            return {}
        known = {}
        for row_no, raw in pending:
            hit = stored.get(digests[row_no])
            if hit is not None:
                known[row_no] = Row(row_no=row_no, key=hit[0], values=None, outcome="unchanged", digest=digests[row_no],
                                    fp=bytes.fromhex(hit[1]), state=hit[2], raw=tuple(raw.values()))
        return known

    def _values_of(self, row: Row) -> dict:
        """A row's parsed values, parsing a skipped row's cells (it parsed when it was written)."""
        if row.values is None:
            return self.parse_row(row.row_no, dict(zip(self.raw_fields, row.raw))).values
        return row.values

    def _still_unchanged(self, chunk: list[Row]) -> list[Row]:
        """The rows of a chunk to write: a skipped row whose object changed after pass 1 is parsed and written."""
        skipped = [r for r in chunk if r.values is None]
        if not skipped:
            return chunk
        states = self.importer.row_states([r.key for r in skipped])
        for r in skipped:
            if states.get(r.key) != r.state:
                r.values, r.outcome, r.state = self._values_of(r), "", None
        return [r for r in chunk if r.values is not None]

    def _record_digests(self, rows: list[Row], warned: set) -> None:
        """Store each written row's digest and its object's state now; a row that drew a warning gets none."""
        imp = self.importer
        if not imp.skips_unchanged or not rows:
            return
        keys = [r.key for r in rows]
        delete_in(RowDigest, "key", keys, kind=self.digest_kind)
        states = imp.row_states([r.key for r in rows if r.row_no not in warned and r.digest])
        insert_dicts(RowDigest, [
            {"kind": self.digest_kind, "key": r.key, "digest": r.digest, "fingerprint": r.fp.hex(), "state": states[r.key]}
            for r in rows if r.key in states and r.row_no not in warned and r.digest
        ])

    def _layout_report(self, header: Header, totals) -> dict:
        """The report fields of the layout: which column each field was read from, the units, hidden rows, totals."""
        return {
            "header_row": header.row_no,
            "columns": header.labels,
            "units": header.units,
            "hidden_rows": {"count": len(self.hidden_read), "rows": self.hidden_read},
            "totals": totals,
            "sheet": self.sheet_read,
        }


def _accepted_sums(spool, to_write: set, fields, values_of) -> dict:
    """The amount columns summed (in 元) over the rows that would be written: one more read of the spool."""
    sums: dict = {}
    for row in _spooled(spool):
        if row.row_no in to_write:
            values = values_of(row)
            for f in fields:
                if values.get(f) is not None:
                    sums[f] = sums.get(f, 0) + values[f]
    return sums


def _spool(chunk: list[Row], spool) -> None:
    """Append a chunk of rows: the field names once, then each row's values as a tuple (a skipped row: its
    cells, its state and no values)."""
    if not chunk:
        return
    names = next((tuple(r.values) for r in chunk if r.values is not None), ())
    rows = [
        (r.row_no, r.key, r.digest, r.fp, r.state, r.raw,
         None if r.values is None else tuple(r.values.values()) if tuple(r.values) == names else r.values)
        for r in chunk
    ]
    pickle.dump((names, rows), spool, pickle.HIGHEST_PROTOCOL)


def _spooled(spool):
    spool.seek(0)
    while True:
        try:
            names, batch = pickle.load(spool)
        except EOFError:
            return
        for row_no, key, digest, fp, state, raw, values in batch:
            if type(values) is tuple:
                values = dict(zip(names, values))
            yield Row(row_no=row_no, key=key, values=values, digest=digest, fp=fp, state=state, raw=raw,
                      outcome="unchanged" if values is None else "")


def _changes_report(changes: list[dict]) -> dict:
    """`changes` in row order (a row's fields in the order the importer compared them) and `change_flags`."""
    ordered = sorted(changes, key=lambda c: c["row"])
    return {"changes": ordered, "change_flags": flag_counts(ordered)}


def _refusal(row_no: int, key, err: RowError) -> dict:
    return {"row": row_no, "key": key, "reason": str(err.reason.value if hasattr(err.reason, "value") else err.reason), "message": err.message}
