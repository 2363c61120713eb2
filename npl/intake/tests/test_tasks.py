"""Background imports: large files go to the task queue, run by the worker, and show a moving progress bar."""
import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from npl import testing
from npl.intake import tasks
from npl.intake.choices import BatchStatus
from npl.intake.models import ImportBatch
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_csv, write_xlsx
from npl.loans.models import Loan

SAMPLES = Path("/work/shared/samples")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.NPL_BACKGROUND_IMPORT_BYTES = 0  # every file counts as large
    return settings.MEDIA_ROOT


@pytest.fixture
def sample_loans(tmp_path):
    return Path(shutil.copy(SAMPLES / "loans.xlsx", tmp_path / "loans.xlsx"))


def post_upload(client, kind, path, **data):
    with open(path, "rb") as fh:
        return client.post(reverse("intake:upload", args=[kind]), {"file": fh, **data})


def test_small_files_stay_in_the_request_and_large_ones_go_to_the_worker(settings, client_for, sample_loans):
    settings.TASKS = DATABASE
    settings.NPL_BACKGROUND_IMPORT_BYTES = sample_loans.stat().st_size  # not above the threshold
    post_upload(client_for("district_admin"), "loans", sample_loans, as_of="2026-03-31", create_units="on")
    assert ImportBatch.objects.get().status == BatchStatus.PREVIEW
    assert not DBTaskResult.objects.exists()

    settings.NPL_BACKGROUND_IMPORT_BYTES = sample_loans.stat().st_size - 1
    post_upload(client_for("district_admin"), "loans", sample_loans, as_of="2026-03-31", create_units="on")
    assert ImportBatch.objects.latest("pk").status == BatchStatus.QUEUED
    assert DBTaskResult.objects.count() == 1


def test_the_background_path_previews_and_commits_through_the_immediate_backend(settings, client_for, sample_loans):
    settings.TASKS = IMMEDIATE
    client = client_for("district_admin")

    response = post_upload(client, "loans", sample_loans, as_of="2026-03-31", create_units="on")
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("intake:detail", args=[batch.pk])
    assert batch.status == BatchStatus.PREVIEW
    assert [r["row"] for r in batch.report["refused"]] == [424, 430, 431, 432, 433, 434]
    assert not Loan.objects.exists()

    client.post(reverse("intake:commit", args=[batch.pk]), {"skip_invalid": "on"})

    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert Loan.objects.count() == 423 == batch.created
    assert tasks.read_progress(batch.pk)["phase"] == "queued"  # the finished run left nothing behind


def test_a_queued_upload_shows_a_polling_progress_bar_until_the_worker_runs_it(settings, client_for, sample_loans):
    settings.TASKS = DATABASE
    client = client_for("district_admin")
    post_upload(client, "loans", sample_loans, as_of="2026-03-31", create_units="on")
    batch = ImportBatch.objects.get()
    task = DBTaskResult.objects.get()
    assert task.task_path == "npl.intake.tasks.import_batch"
    assert task.args_kwargs["args"] == [batch.pk, True]

    page = client.get(reverse("intake:detail", args=[batch.pk])).content.decode()
    assert f'hx-get="{reverse("intake:progress", args=[batch.pk])}"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "django_htmx/htmx" in page
    assert "排队中" in page

    # What `npl db_worker` does with the queued row.
    tasks.import_batch.call(*task.args_kwargs["args"])

    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW
    assert batch.created == 423
    refresh = client.get(reverse("intake:progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert refresh.headers["HX-Refresh"] == "true"


def test_the_progress_endpoint_returns_the_cached_progress(client_for, sample_loans):
    batch = ImportBatch.objects.create(kind="loans", file_name="big.xlsx", sha256="0" * 64, status=BatchStatus.RUNNING,
                                       dry_run=False)
    tasks.write_progress(batch.pk, phase="writing", done=2000, total=8000)

    response = client_for("district_admin").get(reverse("intake:progress", args=[batch.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2000" max="8000"' in html
    assert "2000</strong> / 8000" in html and "25%" in html
    assert "正在写入" in html


def test_once_every_row_is_written_the_progress_says_what_the_import_still_does(client_for, sample_loans):
    """After the last chunk the import still updates balances and the stored derived rows in its transaction: the
    page says so rather than standing at 100 % as if it had hung."""
    batch = ImportBatch.objects.create(kind="repayments", file_name="flow.xlsx", sha256="0" * 64,
                                       status=BatchStatus.RUNNING, dry_run=False)
    tasks.write_progress(batch.pk, phase="writing", done=8000, total=8000)

    html = client_for("district_admin").get(reverse("intake:progress", args=[batch.pk])).content.decode()
    assert "全部 <strong>8000</strong> 行已写入，正在更新相关贷款的余额、类别归属、法律时效和清收建议" in html
    assert "正在写入" not in html


def test_the_progress_endpoint_is_404_for_a_batch_the_person_cannot_see(cast, client_for):
    batch = ImportBatch.objects.create(kind="loans", file_name="big.xlsx", sha256="0" * 64, status=BatchStatus.RUNNING,
                                       user=cast["branch_staff"])
    assert client_for("township_admin").get(reverse("intake:progress", args=[batch.pk])).status_code == 404


def test_progress_moves_chunk_by_chunk_while_the_import_transaction_is_open(monkeypatch, units, cast, client_for, tmp_path):
    rows = [LOAN_HEADER] + [loan_row(f"P{i:05d}", testing.valid_id(10_000 + i)) for i in range(2500)]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    client = client_for("district_admin")
    post_upload(client, "loans", path, as_of="2026-03-31")  # threshold 0, so queued (database backend)
    batch = ImportBatch.objects.get()
    url = reverse("intake:progress", args=[batch.pk])
    seen = []
    real_write = tasks.write_progress

    def write_and_look(batch_id, **progress):
        real_write(batch_id, **progress)
        # The page asks while the import is still inside its transaction.
        seen.append((progress["phase"], client.get(url).content.decode()))

    monkeypatch.setattr(tasks, "write_progress", write_and_look)

    tasks.run_batch(batch.pk, dry_run=True)

    assert [phase for phase, _ in seen] == ["reading", "reading", "writing", "writing"]
    assert "正在读取文件" in seen[0][1]
    assert "已检查 <strong>2000</strong> 行" in seen[1][1]
    assert 'value="2000" max="2500"' in seen[2][1] and "80%" in seen[2][1]
    # The last chunk written, the page says what the import still does in its transaction (a dry run: 试写入).
    assert "全部 <strong>2500</strong> 行已试写入，正在更新相关贷款的余额" in seen[3][1]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW and batch.created == 2500
    assert not Loan.objects.exists()


def test_an_unusable_file_in_the_background_leaves_a_failed_batch_with_its_message(settings, client_for, tmp_path):
    settings.TASKS = IMMEDIATE
    path = write_csv(tmp_path / "empty.csv", [["说明"], ["这不是贷款清单"]])
    client = client_for("branch_staff")

    response = post_upload(client, "loans", path)

    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert "表头" in batch.error
    page = client.get(response["Location"]).content.decode()
    assert "文件无法导入" in page and batch.error in page
