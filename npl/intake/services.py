"""run_import: the one entry point for every import (command line, pages, API, demo); and an upload's life
as a batch — start_batch (recorded, previewed by a dry run), commit_preview or cancel_preview — which the
upload pages and the API share."""
import datetime as dt
import hashlib
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from npl.core import bulk
from npl.intake import permissions
from npl.intake.choices import BatchStatus, ImportKind
from npl.intake.headers import resolve_overrides
from npl.intake.importers import IMPORTERS, importer_for
from npl.intake.importers.base import Context, Pipeline
from npl.intake.models import ImportBatch
from npl.intake.readers import UnusableFile

__all__ = [
    "run_import", "UnusableFile", "IMPORTERS", "importer_for", "sha256_of",
    "start_batch", "commit_preview", "cancel_preview", "remap_preview",
]


def sha256_of(path) -> str:
    """The file's SHA-256 in hex, read in blocks (imports can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _store_copy(batch: ImportBatch, path: Path) -> None:
    """Keep the file as it came, for audit (MEDIA_ROOT/imports/<year>/<month>/<batch>-<name>)."""
    rel = Path("imports") / f"{timezone.localdate():%Y/%m}" / f"{batch.pk}-{Path(batch.file_name).name}"
    dest = Path(settings.MEDIA_ROOT) / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if Path(path).resolve() != dest.resolve():
        shutil.copyfile(path, dest)
    batch.file.name = str(rel)


def run_import(
    kind: str,
    path,
    *,
    sub_kind: str | None = None,
    as_of: dt.date | None = None,
    user=None,
    township=None,
    district=None,
    create_units: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    file_name: str | None = None,
    sheet: str | None = None,
    batch: ImportBatch | None = None,
    progress=None,
    reading=None,
    columns: dict | None = None,
) -> dict:
    """Import one file and return the INTAKE.md report (plus batch id, as_of and unknown columns).

    `reading(rows_read)` is called as the first pass validates, `progress(done, total)` as rows are written.
    `columns` is a column mapping (字段 → 列名, as people write it: `--map`, a saved ColumnMapping, the page).
    Raises UnusableFile (exit 2) when the file cannot be used at all; the batch records the failure.
    """
    importer_cls = importer_for(kind, sub_kind)
    path = Path(path)
    if not path.exists():
        raise UnusableFile(f"文件不存在：{path}")
    digest = sha256_of(path)
    if batch is None:
        batch = ImportBatch.objects.create(
            kind=kind,
            sub_kind=sub_kind or "",
            file_name=file_name or path.name,
            sha256=digest,
            user=user,
            township=township,
            as_of=as_of,
            dry_run=dry_run,
            status=BatchStatus.RUNNING,
            options={"create_units": create_units, "skip_invalid": skip_invalid, "sheet": sheet or "",
                     **({"district": district.name} if district is not None else {})},
        )
        _store_copy(batch, path)
        batch.save(update_fields=["file"])
    else:
        batch.status = BatchStatus.RUNNING
        batch.save(update_fields=["status"])

    def report_progress(done, total):
        batch.progress = done
        if progress:
            progress(done, total)

    # An upload by a district's people is for their district (a city's office uploads nothing).
    district = district or (user.district if getattr(user, "district_id", None) else None)
    ctx = Context(batch=batch, as_of=as_of, user=user, township=township, district=district, create_units=create_units,
                  sub_kind=sub_kind or "")
    try:
        overrides = resolve_overrides(importer_cls.columns, columns)
        pipeline = Pipeline(importer_cls(ctx), path, sheet=sheet, progress=report_progress, reading=reading, overrides=overrides)
        header = pipeline.header()
        ctx.as_of = as_of or header.as_of_hint or timezone.localdate()
        result = pipeline.run(header, skip_invalid=skip_invalid, dry_run=dry_run)
    except UnusableFile as exc:
        batch.status, batch.error, batch.finished_at = BatchStatus.FAILED, str(exc), timezone.now()
        if getattr(exc, "file_columns", None):  # a header problem: the columns a person may map (issue 13)
            batch.options = {**(batch.options or {}), "file_columns": list(exc.file_columns)}
        batch.save(update_fields=["status", "error", "finished_at", "options"])
        raise
    report = {
        "kind": kind,
        **({"sub_kind": sub_kind} if sub_kind else {}),
        "file": batch.file_name,
        "sha256": digest,
        **{k: result[k] for k in ("rows_read", "created", "updated", "unchanged", "duplicates", "refused", "warnings", "written")},
        "unknown_columns": result["unknown_columns"],
        **{k: result[k] for k in LAYOUT_FIELDS},
        "changes": result["changes"],
        "change_flags": result["change_flags"],
        "as_of": ctx.as_of.isoformat(),
        "dry_run": dry_run,
        "batch": batch.pk,
    }
    with transaction.atomic():
        batch.as_of = ctx.as_of
        batch.rows_read = result["rows_read"]
        batch.created, batch.updated, batch.unchanged = result["created"], result["updated"], result["unchanged"]
        batch.refused, batch.duplicates = len(result["refused"]), len(result["duplicates"])
        batch.report = report
        if result["written"]:
            batch.status = BatchStatus.COMMITTED
        elif dry_run:
            batch.status = BatchStatus.PREVIEW
        else:
            batch.status = BatchStatus.REFUSED
        batch.finished_at = timezone.now()
        batch.save()
    if result["written"] and result["created"] + result["updated"] >= settings.NPL_ANALYZE_AFTER_ROWS:
        # A large load: the planner's estimates still say the tables are empty, and (PostgreSQL) the rows it
        # rewrote are still there as dead versions until a VACUUM (core.bulk.tidy_after_bulk).
        bulk.tidy_after_bulk()
    return report


KINDS = [k.value for k in ImportKind]
# Report fields added by issue 13 (docs/intake.md): column per field, units, hidden rows, the totals checked.
LAYOUT_FIELDS = ("header_row", "columns", "units", "hidden_rows", "totals", "sheet")


# -- an upload's batch: preview, then commit or cancel (pages and API) ---------------------------------------
@transaction.atomic
def start_batch(
    user,
    kind: str,
    *,
    file,
    sub_kind: str = "",
    as_of: dt.date | None = None,
    township=None,
    sheet: str = "",
    create_units: bool = False,
    skip_invalid: bool = False,
    mapping=None,
) -> ImportBatch:
    """Record an upload (the upload form's cleaned data) as a batch awaiting its dry run, with its stored copy."""
    if not permissions.may_upload(user, kind):
        raise PermissionDenied("您的角色不能上传这类数据")
    township = permissions.scope_township(user, township) if kind in permissions.SCOPED_KINDS else None
    batch = ImportBatch.objects.create(
        kind=kind,
        sub_kind=sub_kind or "",
        file_name=Path(file.name).name[:255],
        sha256="",
        user=user,
        township=township,
        as_of=as_of,
        dry_run=True,
        status=BatchStatus.QUEUED,
        options={
            "create_units": bool(create_units) and permissions.may_create_units(user),
            "skip_invalid": bool(skip_invalid),
            "sheet": (sheet or "").strip(),
            **({"columns": dict(mapping.columns), "mapping": mapping.name} if mapping is not None else {}),
        },
    )
    # The copy under MEDIA_ROOT/imports/ is both the audit copy and the file the engine reads
    # (its suffix is kept: the reader goes by it).
    batch.file.save(f"{batch.pk}-{Path(file.name).name}", file, save=False)
    batch.sha256 = sha256_of(batch.file.path)
    batch.save(update_fields=["file", "sha256"])
    return batch


@transaction.atomic
def commit_preview(batch: ImportBatch, user, *, skip_invalid: bool = False) -> ImportBatch:
    """确认导入: claim the previewed batch for a real run (only its uploader, only once); run it with tasks.run_or_queue."""
    if batch.user_id != user.pk or not permissions.may_upload(user, batch.kind):
        raise PermissionDenied("只有上传该文件的人可以确认导入")
    options = batch.options or {}
    skip = bool(skip_invalid) or bool(options.get("skip_invalid"))
    # Claim the preview in one UPDATE so a double click or a replayed request cannot import it twice.
    claimed = ImportBatch.objects.filter(pk=batch.pk, user=user, status=BatchStatus.PREVIEW).update(
        status=BatchStatus.QUEUED, dry_run=False, options={**options, "skip_invalid": skip}, finished_at=None
    )
    if not claimed:
        raise ValidationError({"__all__": ["该批次已经确认或取消，不能再次导入"]})
    batch.refresh_from_db()
    return batch


@transaction.atomic
def cancel_preview(batch: ImportBatch, user) -> ImportBatch:
    """取消: the preview is kept for the record as cancelled; nothing is written (only its uploader)."""
    if batch.user_id != user.pk:
        raise PermissionDenied("只有上传该文件的人可以取消")
    cancelled = ImportBatch.objects.filter(pk=batch.pk, user=user, status=BatchStatus.PREVIEW).update(
        status=BatchStatus.CANCELLED, finished_at=timezone.now()
    )
    if not cancelled:
        raise ValidationError({"__all__": ["该批次已经确认或取消"]})
    batch.refresh_from_db()
    return batch


@transaction.atomic
def remap_preview(batch: ImportBatch, user, columns: dict) -> ImportBatch:
    """Check an upload again with the columns its uploader chose (a preview, or one refused for its header)."""
    if batch.user_id != user.pk:
        raise PermissionDenied("只有上传该文件的人可以指定列映射")
    claimed = ImportBatch.objects.filter(
        pk=batch.pk, user=user, status__in=[BatchStatus.PREVIEW, BatchStatus.FAILED], dry_run=True
    ).update(status=BatchStatus.QUEUED, options={**(batch.options or {}), "columns": columns}, error="", finished_at=None)
    if not claimed:
        raise ValidationError({"__all__": ["该批次已经确认或取消，不能再改列映射"]})
    batch.refresh_from_db()
    return batch

