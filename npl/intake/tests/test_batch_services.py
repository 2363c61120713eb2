"""An upload's batch through intake.services (the pages and the API share these): start, commit once, cancel."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from npl import testing
from npl.intake import services, tasks
from npl.intake.choices import BatchStatus
from npl.intake.models import ImportBatch
from npl.intake.tests.sheets import LOAN_HEADER, write_xlsx
from npl.loans.models import Loan


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def bank_file(tmp_path, units):
    """Two loans of the district admin's bank export, in the cast's townships and branches."""
    rows = [
        LOAN_HEADER,
        ["JD-S-1", "张三", testing.valid_id(1), units.town_a.name, units.branch_a.name, 50000, 40000, "2020-01-01", "2021-01-01", "保证"],
        ["JD-S-2", "李四", testing.valid_id(2), units.town_b.name, units.branch_b.name, 30000, 30000, "2020-02-01", "2021-02-01", "信用"],
    ]
    path = write_xlsx(tmp_path / "bank.xlsx", rows)
    return SimpleUploadedFile("bank.xlsx", path.read_bytes())


def previewed(user, upload, kind="loans", **options) -> ImportBatch:
    batch = services.start_batch(user, kind, file=upload, **options)
    tasks.run_or_queue(batch, dry_run=True)
    batch.refresh_from_db()
    return batch


def test_a_started_batch_keeps_its_file_and_options_and_its_dry_run_writes_nothing(cast, bank_file):
    batch = services.start_batch(cast["district_admin"], "loans", file=bank_file, sheet="  Sheet1 ", skip_invalid=True)
    assert (batch.status, batch.dry_run, batch.file_name) == (BatchStatus.QUEUED, True, "bank.xlsx")
    assert batch.options == {"create_units": False, "skip_invalid": True, "sheet": "Sheet1"}
    assert batch.sha256 == services.sha256_of(batch.file.path)

    report = tasks.run_or_queue(batch, dry_run=True)
    batch.refresh_from_db()
    assert report["rows_read"] == 2 and report["dry_run"] is True
    assert batch.status == BatchStatus.PREVIEW
    assert not Loan.objects.exists()


def test_a_role_that_may_not_upload_the_kind_starts_no_batch(cast, bank_file):
    with pytest.raises(PermissionDenied):
        services.start_batch(cast["collector"], "loans", file=bank_file)
    with pytest.raises(PermissionDenied):
        services.start_batch(cast["township_admin"], "loans", file=bank_file)
    assert not ImportBatch.objects.exists()


def test_only_the_district_admin_may_ask_for_new_units(cast, bank_file):
    staff_batch = services.start_batch(cast["branch_staff"], "loans", file=bank_file, create_units=True)
    admin_batch = services.start_batch(cast["district_admin"], "loans", file=bank_file, create_units=True)
    assert staff_batch.options["create_units"] is False
    assert admin_batch.options["create_units"] is True


def test_a_township_admins_roster_is_scoped_to_their_township_whatever_they_pass(cast, units, tmp_path):
    roster = SimpleUploadedFile("roster.xlsx", write_xlsx(tmp_path / "r.xlsx", [["姓名", "身份证号"]]).read_bytes())
    batch = services.start_batch(cast["township_admin"], "roster", file=roster, sub_kind="dibao", township=units.town_b)
    assert batch.township == units.town_a


def test_a_preview_is_committed_once_with_skip_invalid_kept_from_the_upload(cast, bank_file):
    admin = cast["district_admin"]
    batch = previewed(admin, bank_file, skip_invalid=True)

    claimed = services.commit_preview(batch, admin)
    assert (claimed.status, claimed.dry_run, claimed.options["skip_invalid"]) == (BatchStatus.QUEUED, False, True)
    report = tasks.run_or_queue(claimed, dry_run=False)
    assert report["written"] and report["created"] == 2
    assert Loan.objects.count() == 2

    with pytest.raises(ValidationError) as refused:
        services.commit_preview(batch, admin)
    assert refused.value.messages == ["该批次已经确认或取消，不能再次导入"]


def test_only_the_uploader_may_commit_or_cancel_a_preview(cast, bank_file):
    batch = previewed(cast["branch_staff"], bank_file)
    for other in (cast["district_admin"], cast["collector"]):
        with pytest.raises(PermissionDenied):
            services.commit_preview(batch, other)
        with pytest.raises(PermissionDenied):
            services.cancel_preview(batch, other)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW


def test_a_cancelled_preview_writes_nothing_and_can_be_neither_committed_nor_cancelled_again(cast, bank_file):
    admin = cast["district_admin"]
    batch = previewed(admin, bank_file)

    cancelled = services.cancel_preview(batch, admin)
    assert cancelled.status == BatchStatus.CANCELLED and cancelled.finished_at is not None
    with pytest.raises(ValidationError, match="已经确认或取消"):
        services.commit_preview(batch, admin)
    with pytest.raises(ValidationError, match="已经确认或取消"):
        services.cancel_preview(batch, admin)
    assert not Loan.objects.exists()


def test_a_large_file_is_handed_to_the_worker_instead_of_run_in_the_request(cast, bank_file, settings):
    settings.NPL_BACKGROUND_IMPORT_BYTES = 10
    batch = services.start_batch(cast["district_admin"], "loans", file=bank_file)
    assert tasks.run_or_queue(batch, dry_run=True) is None
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED
