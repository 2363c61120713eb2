"""run_import: the one entry point for every import (command line, pages, API, demo)."""
import datetime as dt
import hashlib
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from npl.intake.choices import BatchStatus, ImportKind
from npl.intake.importers import IMPORTERS, importer_for
from npl.intake.importers.base import Context, Pipeline
from npl.intake.models import ImportBatch
from npl.intake.readers import UnusableFile

__all__ = ["run_import", "UnusableFile", "IMPORTERS", "importer_for", "sha256_of"]


def sha256_of(path) -> str:
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
    create_units: bool = False,
    skip_invalid: bool = False,
    dry_run: bool = False,
    file_name: str | None = None,
    sheet: str | None = None,
    batch: ImportBatch | None = None,
    progress=None,
    reading=None,
) -> dict:
    """Import one file and return the INTAKE.md report (plus batch id, as_of and unknown columns).

    `reading(rows_read)` is called as the first pass validates, `progress(done, total)` as rows are written.
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
            options={"create_units": create_units, "skip_invalid": skip_invalid, "sheet": sheet or ""},
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

    ctx = Context(batch=batch, as_of=as_of, user=user, township=township, create_units=create_units, sub_kind=sub_kind or "")
    try:
        pipeline = Pipeline(importer_cls(ctx), path, sheet=sheet, progress=report_progress, reading=reading)
        header = pipeline.header()
        ctx.as_of = as_of or header.as_of_hint or timezone.localdate()
        result = pipeline.run(header, skip_invalid=skip_invalid, dry_run=dry_run)
    except UnusableFile as exc:
        batch.status, batch.error, batch.finished_at = BatchStatus.FAILED, str(exc), timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
        raise
    report = {
        "kind": kind,
        **({"sub_kind": sub_kind} if sub_kind else {}),
        "file": batch.file_name,
        "sha256": digest,
        **{k: result[k] for k in ("rows_read", "created", "updated", "unchanged", "duplicates", "refused", "warnings", "written")},
        "unknown_columns": result["unknown_columns"],
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
    return report


KINDS = [k.value for k in ImportKind]
