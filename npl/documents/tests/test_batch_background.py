"""Large batches go to the worker: the page shows progress, then the download, to the person who asked and nobody else."""
import datetime as dt
import stat

import pytest
from django_tasks_db.models import DBTaskResult

from npl.documents import tasks
from npl.documents.models import GeneratedDocument

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DAY = dt.date(2026, 4, 30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = DATABASE
    settings.NPL_BACKGROUND_DOCUMENT_LOANS = 2  # town A's three loans count as a large batch
    return settings.MEDIA_ROOT


def _ask(client, units, fmt="docx"):
    return client.post("/documents/", {"kind": "notice", "township": units.town_a.pk, "fmt": fmt, "as_of": "2026-04-30"})


def _queued(client, units, fmt="docx"):
    """Ask for town A's notices; the job id the page sends the person to."""
    response = _ask(client, units, fmt)
    assert response.status_code == 302
    return response["Location"].split("job=")[1]


def _work():
    """What `npl db_worker` does with each queued row."""
    for row in DBTaskResult.objects.filter(status="READY"):
        tasks.make_batch.call(*row.args_kwargs["args"])
        DBTaskResult.objects.filter(pk=row.pk).update(status="SUCCESSFUL")


def test_a_batch_up_to_the_threshold_is_downloaded_at_once(loans, client_for, units, settings):
    settings.NPL_BACKGROUND_DOCUMENT_LOANS = 3
    response = _ask(client_for("township_admin"), units)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert not DBTaskResult.objects.exists()
    assert GeneratedDocument.objects.get().loan_count == 3


def test_a_large_batch_is_queued_shows_its_progress_then_its_download_once(loans, client_for, cast, units, media, read_docx):
    client = client_for("township_admin")
    job_id = _queued(client, units)
    task = DBTaskResult.objects.get()
    assert task.task_path == "npl.documents.tasks.make_batch"
    assert not GeneratedDocument.objects.exists()  # nothing made yet

    page = client.get(f"/documents/?job={job_id}").content.decode()
    assert "排队中" in page and 'hx-trigger="every 2s"' in page and "django_htmx/htmx" in page
    assert f'hx-get="/documents/?job={job_id}"' in page
    assert "柳溪镇，共 3 笔" in page

    _work()

    assert client.get(f"/documents/?job={job_id}", HTTP_HX_REQUEST="true").headers["HX-Refresh"] == "true"
    page = client.get(f"/documents/?job={job_id}").content.decode()
    assert "已生成：催收通知书_柳溪镇_20260430.docx" in page and 'name="take"' in page
    record = GeneratedDocument.objects.get()
    assert (record.user, record.scope, record.loan_count) == (cast["township_admin"], "柳溪镇", 3)
    folder = media / "documents" / "batches" / str(cast["township_admin"].pk) / job_id
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "file").stat().st_mode) == 0o600

    response = client.post("/documents/", {"take": job_id})
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%82%AC%E6%94%B6%E9%80%9A%E7%9F%A5%E4%B9%A6_%E6%9F%B3%E6%BA%AA%E9%95%87_20260430.docx"
    assert [name in read_docx(response.content) for name in ("张三", "李四", "单丽")] == [True, True, True]
    assert not folder.exists()  # handed over, then gone from the server
    assert client.post("/documents/", {"take": job_id}).status_code == 404
    assert client.get(f"/documents/?job={job_id}").status_code == 404


def test_someone_elses_batch_is_not_found_even_for_the_district(loans, client_for, cast, units):
    job_id = _queued(client_for("township_admin"), units)
    _work()
    for role in ("district_admin", "collector", "court_liaison"):
        client = client_for(role)
        assert client.get(f"/documents/?job={job_id}").status_code in (403, 404), role
        assert client.post("/documents/", {"take": job_id}).status_code in (403, 404), role
    assert client_for("district_admin").get(f"/documents/?job={job_id}").status_code == 404
    assert client_for("district_admin").get("/documents/?job=../../x").status_code == 404
    assert client_for("township_admin").post("/documents/", {"take": job_id}).status_code == 200


def test_a_batch_the_worker_cannot_make_says_why_in_chinese(loans, client_for, cast, settings):
    settings.TASKS = IMMEDIATE
    admin = cast["township_admin"]
    job = tasks.queue(admin, "notice", [loans["LA001"].pk, loans["LB001"].pk], "docx", as_of=DAY, pay_by=None, scope="2笔")
    job = tasks.find(admin, job.id)
    assert (job.status, job.error) == (tasks.FAILED, "贷款不存在或不在您的管辖范围内")
    assert not GeneratedDocument.objects.exists()
    page = client_for("township_admin").get(f"/documents/?job={job.id}").content.decode()
    assert "未生成催收通知书：贷款不存在或不在您的管辖范围内" in page and "hx-get" not in page


def test_a_pdf_batch_in_the_background_is_the_same_file_as_at_once(loans, cast, settings):
    settings.TASKS = IMMEDIATE
    from npl.documents import services
    from npl.documents.tests.conftest import pdf_pages, pdf_text

    admin = cast["district_admin"]
    ids = [loans[no].pk for no in ("LA001", "LA002", "LA003")]
    job = tasks.find(admin, tasks.queue(admin, "notice", ids, "pdf", as_of=DAY, pay_by=None, scope="柳溪镇").id)
    at_once = services.generate("notice", ids, "pdf", admin, as_of=DAY, scope="柳溪镇")
    data = job.path().read_bytes()
    assert (job.status, job.file_name) == (tasks.DONE, at_once.file_name)
    assert (pdf_pages(data), pdf_text(data)) == (pdf_pages(at_once.content), pdf_text(at_once.content))


def test_batches_left_undownloaded_are_removed_after_the_kept_days(loans, cast, settings, media):
    settings.TASKS = IMMEDIATE
    settings.NPL_DOCUMENT_BATCH_KEEP_DAYS = 3
    admin = cast["district_admin"]
    job = tasks.queue(admin, "notice", [loans["LA001"].pk], "docx", as_of=DAY, pay_by=None, scope="LA001")
    asked = tasks.find(admin, job.id).asked
    assert tasks.purge_expired(asked + dt.timedelta(days=3)) == 0
    assert tasks.find(admin, job.id).status == tasks.DONE
    assert tasks.purge_expired(asked + dt.timedelta(days=3, minutes=1)) == 1
    assert tasks.find(admin, job.id) is None
    assert GeneratedDocument.objects.count() == 1  # the log stays: it is the record, the file was only a parcel


def test_a_batch_being_rendered_shows_its_step_elapsed_seconds_and_estimate(loans, client_for, cast, units):
    client = client_for("township_admin")
    job_id = _queued(client, units, fmt="pdf")
    job = tasks.find(cast["township_admin"], job_id)
    started = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat()
    tasks._update(job, status=tasks.RENDERING, stage_since=started)
    page = client.get(f"/documents/?job={job_id}").content.decode()
    assert "第2步，共2步" in page and "3 笔" in page
    estimate = round(3 * tasks.SECONDS_PER_LOAN["pdf"])
    assert f"预计共约 {estimate} 秒" in page and '<progress class="import-bar" max="100" value="' in page
