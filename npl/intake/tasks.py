"""Running an upload's batch (dry run or commit), in the request or in the background worker.

Progress goes to the cache, not the database: the import writes inside one transaction, so a progress
column would stay invisible to the page until the very end. The cache is file-based and shared by the
web and worker processes (settings.CACHES).
"""
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from npl.intake.choices import BatchStatus
from npl.intake.models import ImportBatch
from npl.intake.services import UnusableFile, run_import

log = logging.getLogger(__name__)

DEFAULT_BACKGROUND_BYTES = 1024 * 1024
PROGRESS_SECONDS = 6 * 3600  # long enough for any import; the entry is only a display aid
IN_PROGRESS = {BatchStatus.QUEUED, BatchStatus.RUNNING}


def background_threshold() -> int:
    """Files larger than this many bytes are previewed and committed by the worker."""
    return int(getattr(settings, "NPL_BACKGROUND_IMPORT_BYTES", DEFAULT_BACKGROUND_BYTES))


def runs_in_background(batch: ImportBatch) -> bool:
    """True when the batch's stored file is too large to import within a page request."""
    try:
        size = batch.file.size
    except (OSError, ValueError):
        return False
    return size > background_threshold()


def progress_key(batch_id: int) -> str:
    return f"intake:progress:{batch_id}"


def write_progress(batch_id: int, *, phase: str, done: int = 0, total: int | None = None) -> None:
    """Record where an import stands; phase is queued, reading or writing."""
    cache.set(progress_key(batch_id), {"phase": phase, "done": done, "total": total}, PROGRESS_SECONDS)


def read_progress(batch_id: int) -> dict:
    """What write_progress last recorded for the batch (queued when nothing was recorded yet)."""
    return cache.get(progress_key(batch_id)) or {"phase": "queued", "done": 0, "total": None}


def run_batch(batch_id: int, *, dry_run: bool) -> dict:
    """Run a stored batch through the import engine with the options chosen on upload.

    The engine records the outcome (counts, report, status) on the batch; UnusableFile is re-raised
    for the page to show its Chinese message.
    """
    batch = ImportBatch.objects.select_related("user", "township").get(pk=batch_id)
    options = batch.options or {}
    write_progress(batch.pk, phase="reading")

    def progress(done, total):
        write_progress(batch_id, phase="writing", done=done, total=total)

    def reading(done):
        write_progress(batch_id, phase="reading", done=done)

    try:
        return run_import(
            batch.kind,
            batch.file.path,
            sub_kind=batch.sub_kind or None,
            as_of=batch.as_of,
            user=batch.user,
            township=batch.township,
            create_units=bool(options.get("create_units")),
            skip_invalid=bool(options.get("skip_invalid")),
            dry_run=dry_run,
            file_name=batch.file_name,
            sheet=options.get("sheet") or None,
            columns=options.get("columns") or None,  # the column mapping chosen on the preview
            batch=batch,
            progress=progress,
            reading=reading,
        )
    except UnusableFile:
        raise
    except Exception as exc:
        # The engine rolled its transaction back; leave the batch saying so instead of "running" forever.
        log.exception("import batch #%s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED, error=f"导入出错，未写入任何数据：{exc}", finished_at=timezone.now()
        )
        raise
    finally:
        cache.delete(progress_key(batch_id))


@task()
def import_batch(batch_id: int, dry_run: bool) -> dict:
    """Background import of an uploaded batch: a dry-run preview, or the commit after the user confirms."""
    try:
        report = run_batch(batch_id, dry_run=dry_run)
    except UnusableFile as exc:
        # Recorded on the batch by the engine; the page shows it. Not a worker failure.
        return {"batch": batch_id, "status": BatchStatus.FAILED.value, "error": str(exc)}
    return {"batch": batch_id, "status": ImportBatch.objects.values_list("status", flat=True).get(pk=batch_id),
            "written": report["written"]}


def enqueue(batch: ImportBatch, *, dry_run: bool) -> None:
    """Hand the batch to the worker (`npl db_worker`); the page polls its progress."""
    write_progress(batch.pk, phase="queued")
    import_batch.enqueue(batch.pk, dry_run)


def run_or_queue(batch: ImportBatch, *, dry_run: bool) -> dict | None:
    """Run a started or claimed batch within the request, or hand a large file to the worker (then None).

    Not one transaction by design: the engine's write is its own, and the claim before it is already committed.
    Raises UnusableFile (recorded on the batch) when the file cannot be used at all.
    """
    if runs_in_background(batch):
        enqueue(batch, dry_run=dry_run)
        return None
    return run_batch(batch.pk, dry_run=dry_run)
