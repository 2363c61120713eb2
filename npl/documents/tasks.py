"""Large document batches in the background: queued by the page, made by the worker (`npl db_worker`), kept for
the person who asked until they download it.

A PDF page costs WeasyPrint about a quarter of a second on the office server (benchmarks/documents.py), so a
township's batch of several hundred loans would hold a page request for minutes. Batches of more loans than
settings.NPL_BACKGROUND_DOCUMENT_LOANS (default 50) therefore go to the task queue and the page polls.

A job is a folder MEDIA_ROOT/documents/batches/<user pk>/<job id>/, owner-only (0700, files 0600): `job.json`
says where it stands and, once made, the file sits beside it. The folder goes when its owner downloads the file,
or NPL_DOCUMENT_BATCH_KEEP_DAYS days (default 3) after it was asked for. It is a parcel waiting to be fetched,
not a record: what was generated, by whom and for which loans is logged by services.generate in
GeneratedDocument, exactly as for a document downloaded at once. The job id is 32 random hex digits and the
folder is found only under the asking person's own pk, so nobody else reaches it (a 404 for them).
"""
import datetime as dt
import json
import logging
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks import task

from npl.documents.choices import Format, Kind

log = logging.getLogger(__name__)

DEFAULT_BACKGROUND_LOANS = 50
DEFAULT_KEEP_DAYS = 3
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
QUEUED, PREPARING, RENDERING, DONE, FAILED = "queued", "preparing", "rendering", "done", "failed"
IN_PROGRESS = {QUEUED, PREPARING, RENDERING}
# Seconds one loan's document takes to lay out, for the progress a waiting person sees (one WeasyPrint layout
# for the whole PDF gives no count of pages done; 512 明白纸 took about 198 s on the office server).
SECONDS_PER_LOAN = {"pdf": 0.4, "docx": 0.03}


def background_threshold() -> int:
    """Batches of more loans than this are made by the worker."""
    return int(getattr(settings, "NPL_BACKGROUND_DOCUMENT_LOANS", DEFAULT_BACKGROUND_LOANS))


def keep_days() -> int:
    """Days a finished batch waits for its owner before it is removed."""
    return int(getattr(settings, "NPL_DOCUMENT_BATCH_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def runs_in_background(loan_count: int) -> bool:
    return loan_count > background_threshold()


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "documents" / "batches"


def _folder(user_id: int, job_id: str) -> Path:
    if not JOB_ID.match(job_id or ""):
        raise LookupError(job_id)
    return _root() / str(int(user_id)) / job_id


@dataclass(frozen=True)
class Job:
    """Where one background batch stands, as its job.json says."""

    id: str
    user_id: int
    kind: str
    fmt: str
    scope: str
    as_of: str
    pay_by: str
    loan_count: int
    status: str
    asked_at: str
    error: str = ""
    file_name: str = ""
    record_id: int | None = None
    stage_since: str = ""  # when the current stage (preparing, rendering) began

    def elapsed_seconds(self) -> int:
        """Seconds in the current stage so far."""
        if not self.stage_since:
            return 0
        return max(0, int((timezone.now() - dt.datetime.fromisoformat(self.stage_since)).total_seconds()))

    @property
    def estimate_seconds(self) -> int:
        """About how long rendering takes, from the loans and the format."""
        return max(1, round(self.loan_count * SECONDS_PER_LOAN.get(self.fmt, 0.4)))

    @property
    def percent(self) -> int:
        """Rendering's share done by the clock (never 100 before the file is there)."""
        return min(95, round(100 * self.elapsed_seconds() / self.estimate_seconds))

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def fmt_label(self) -> str:
        return Format(self.fmt).label

    @property
    def asked(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.asked_at)

    @property
    def expires(self) -> dt.datetime:
        return self.asked + dt.timedelta(days=keep_days())

    def path(self) -> Path:
        """The finished file."""
        return _folder(self.user_id, self.id) / "file"


def _write(job: Job) -> None:
    folder = _folder(job.user_id, job.id)
    tmp = folder / "job.json.tmp"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
        json.dump(job.__dict__, fh, ensure_ascii=False)
    os.replace(tmp, folder / "job.json")  # atomic: the page never reads half a file


def _update(job: Job, **changes) -> Job:
    job = Job(**{**job.__dict__, **changes})
    _write(job)
    return job


def find(user, job_id: str) -> Job | None:
    """The person's own job, or None (someone else's job, a removed or a made-up one look the same: not found)."""
    try:
        folder = _folder(user.pk, job_id)
        data = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    except (LookupError, OSError, ValueError, TypeError):
        return None
    job = Job(**data)
    return job if job.user_id == user.pk else None


def queue(user, kind: str, loan_ids: list[int], fmt: str, *, as_of: dt.date, pay_by: dt.date | None, scope: str) -> Job:
    """Put a batch in the queue for the worker; its folder exists (owner-only) before the worker can start it."""
    purge_expired()
    job = Job(id=secrets.token_hex(16), user_id=user.pk, kind=Kind(kind).value, fmt=Format(fmt).value, scope=scope,
              as_of=as_of.isoformat(), pay_by=pay_by.isoformat() if pay_by else "", loan_count=len(loan_ids),
              status=QUEUED, asked_at=timezone.now().isoformat())
    folder = _folder(user.pk, job.id)
    folder.mkdir(mode=0o700, parents=True)
    for p in (folder.parent, folder.parent.parent):
        p.chmod(0o700)
    _write(job)
    make_batch.enqueue(user.pk, job.id, list(loan_ids))
    return job


def run(user_id: int, job_id: str, loan_ids: list[int]) -> Job:
    """Make the batch as the person who asked (their role and scope as they stand now) and keep the file for them."""
    from npl.documents import services
    from npl.documents.fonts import CjkFontMissing

    user = get_user_model().objects.get(pk=user_id)
    job = find(user, job_id)
    if job is None:
        raise LookupError(f"没有这个批量任务：{job_id}")
    job = _update(job, status=PREPARING, stage_since=timezone.now().isoformat())

    def rendering():
        nonlocal job
        job = _update(job, status=RENDERING, stage_since=timezone.now().isoformat())

    try:
        made = services.generate(
            job.kind, loan_ids, job.fmt, user, as_of=dt.date.fromisoformat(job.as_of),
            pay_by=dt.date.fromisoformat(job.pay_by) if job.pay_by else None, scope=job.scope, before_render=rendering,
        )
    except (ValidationError, CjkFontMissing, services.OutOfScope, PermissionDenied) as exc:
        why = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _update(job, status=FAILED, error=why or "贷款不存在或不在您的管辖范围内")
    except Exception as exc:
        log.exception("document batch %s failed", job_id)
        _update(job, status=FAILED, error=f"生成出错：{exc}")
        raise
    with open(os.open(job.path(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        fh.write(made.content)
    return _update(job, status=DONE, file_name=made.file_name, record_id=made.record.pk)


@task()
def make_batch(user_id: int, job_id: str, loan_ids: list[int]) -> dict:
    """Background document batch: generate (and log) it, keep the file for its owner."""
    try:
        job = run(user_id, job_id, loan_ids)
    except LookupError:  # removed before the worker came to it: nothing to make
        return {"job": job_id, "status": "gone"}
    return {"job": job_id, "status": job.status, "record": job.record_id}


def take(job: Job) -> bytes:
    """The finished file, read once: the folder is removed as it is handed over."""
    data = job.path().read_bytes()
    remove(job)
    return data


def remove(job: Job) -> None:
    shutil.rmtree(_folder(job.user_id, job.id), ignore_errors=True)


def purge_expired(now: dt.datetime | None = None) -> int:
    """Remove every job folder asked for more than keep_days() ago (finished, failed or never run); how many."""
    now = now or timezone.now()
    gone = 0
    root = _root()
    if not root.is_dir():
        return 0
    for folder in root.glob("*/*"):
        try:
            asked = dt.datetime.fromisoformat(json.loads((folder / "job.json").read_text(encoding="utf-8"))["asked_at"])
        except (OSError, ValueError, KeyError, TypeError):
            # a folder without a readable job.json is debris; its age is the folder's own
            asked = dt.datetime.fromtimestamp(folder.stat().st_mtime, tz=dt.UTC)
        if now - asked > dt.timedelta(days=keep_days()):
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    return gone
