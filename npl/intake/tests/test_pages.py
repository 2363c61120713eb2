"""Intake pages: who may upload what, the dry-run preview, commit and cancel, downloads and batch pages."""
import io
import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from npl.categories.models import RosterEntry
from npl.core.models import AuditLog
from npl.intake import permissions
from npl.intake.choices import BatchStatus
from npl.intake.headers import find_header
from npl.intake.importers import IMPORTERS, importer_for
from npl.intake.models import ImportBatch
from npl.intake.tests.sheets import write_csv, write_xlsx
from npl.loans.models import Loan

SAMPLES = Path("/work/shared/samples")
SAMPLE_REFUSED_ROWS = [424, 430, 431, 432, 433, 434]
ALL_KINDS = list(IMPORTERS)
NOT_UPLOADERS = ["collector", "outsider", "district_leader", "police_liaison", "discipline_liaison"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return settings.MEDIA_ROOT


@pytest.fixture
def sample_loans(tmp_path):
    """A copy of the sample bank export (the page stores what it is given; the original stays untouched)."""
    return Path(shutil.copy(SAMPLES / "loans.xlsx", tmp_path / "loans.xlsx"))


def post_upload(client, kind, path, **data):
    with open(path, "rb") as fh:
        return client.post(reverse("intake:upload", args=[kind]), {"file": fh, **data})


def only_batch() -> ImportBatch:
    return ImportBatch.objects.get()


def preview_sample_as_district_admin(client_for, sample_loans):
    client = client_for("district_admin")
    response = post_upload(client, "loans", sample_loans, as_of="2026-03-31", create_units="on")
    return client, response, only_batch()


# -- who may upload what ------------------------------------------------------------------------------
def test_each_role_may_upload_only_the_kinds_it_owns(cast):
    kinds = {role: permissions.upload_kinds(user) for role, user in cast.items()}
    assert kinds["branch_staff"] == ["loans", "repayments"]
    assert kinds["township_admin"] == ["roster", "actions"]
    assert kinds["court_liaison"] == ["litigation"]
    assert kinds["district_admin"] == ALL_KINDS
    for role in NOT_UPLOADERS:
        assert kinds[role] == []


def test_a_branch_staff_without_a_branch_may_upload_nothing(cast):
    staff = cast["branch_staff"]
    staff.branch = None
    assert permissions.upload_kinds(staff) == []


@pytest.mark.parametrize("role", NOT_UPLOADERS)
def test_a_collector_an_outsider_and_read_only_roles_get_403_on_every_upload_page(client_for, role, sample_loans):
    client = client_for(role)
    assert client.get(reverse("intake:new")).status_code == 403
    for kind in ALL_KINDS:
        assert client.get(reverse("intake:upload", args=[kind])).status_code == 403
        assert client.get(reverse("intake:template", args=[kind])).status_code == 403
        assert post_upload(client, kind, sample_loans).status_code == 403
    assert not ImportBatch.objects.exists()
    assert not Loan.objects.exists()


@pytest.mark.parametrize("role", ["branch_staff", "township_admin", "court_liaison", "district_admin"])
def test_each_uploader_opens_the_upload_page_of_every_kind_they_own(client_for, cast, role):
    client = client_for(role)
    for kind in permissions.upload_kinds(cast[role]):
        page = client.get(reverse("intake:upload", args=[kind]))
        assert page.status_code == 200
        assert 'enctype="multipart/form-data"' in page.content.decode()


def test_branch_staff_cannot_open_the_roster_upload(client_for):
    assert client_for("branch_staff").get(reverse("intake:upload", args=["roster"])).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client_for):
    response = client_for(None).get(reverse("intake:upload", args=["loans"]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_chooser_offers_each_permitted_kind_with_its_blank_template(client_for):
    page = client_for("township_admin").get(reverse("intake:new")).content.decode()
    assert reverse("intake:upload", args=["roster"]) in page
    assert reverse("intake:template", args=["actions"]) in page
    assert reverse("intake:upload", args=["loans"]) not in page
    assert page.count('href="/imports/templates/') == 2


def test_an_unknown_kind_is_404(client_for):
    assert client_for("district_admin").get(reverse("intake:upload", args=["salaries"])).status_code == 404


# -- preview, commit, cancel ----------------------------------------------------------------------------
def test_the_sample_preview_lists_its_six_refused_rows_and_writes_nothing(client_for, sample_loans):
    client, response, batch = preview_sample_as_district_admin(client_for, sample_loans)

    assert response.status_code == 302
    assert response["Location"] == reverse("intake:detail", args=[batch.pk])
    assert batch.status == BatchStatus.PREVIEW
    assert [r["row"] for r in batch.report["refused"]] == SAMPLE_REFUSED_ROWS
    assert batch.created == 423
    assert not Loan.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "试导入结果（尚未写入）" in page
    for row in SAMPLE_REFUSED_ROWS:
        assert f'<td class="num">{row}</td>' in page
    assert "身份证号无效" in page and "重复且内容不一致" in page and "缺少必填项" in page and "金额无效" in page
    assert "9900000426" in page  # the key of a refused row
    assert "序号" in page  # an unknown column
    assert "跳过错误行导入" in page


def test_committing_the_sample_preview_with_skip_invalid_writes_423_loans(client_for, sample_loans):
    client, _, batch = preview_sample_as_district_admin(client_for, sample_loans)

    response = client.post(reverse("intake:commit", args=[batch.pk]), {"skip_invalid": "on"})

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert batch.report["written"] is True and batch.report["dry_run"] is False
    assert Loan.objects.count() == 423 == batch.created
    assert batch.refused == 6


def test_committing_a_preview_with_refused_rows_without_skip_writes_nothing(client_for, sample_loans):
    client, _, batch = preview_sample_as_district_admin(client_for, sample_loans)

    client.post(reverse("intake:commit", args=[batch.pk]))

    batch.refresh_from_db()
    assert batch.status == BatchStatus.REFUSED
    assert not Loan.objects.exists()


def test_cancelling_a_preview_writes_nothing_and_keeps_the_batch_as_cancelled(client_for, sample_loans):
    client, _, batch = preview_sample_as_district_admin(client_for, sample_loans)

    client.post(reverse("intake:cancel", args=[batch.pk]))

    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert not Loan.objects.exists()
    # A cancelled preview cannot be committed afterwards.
    client.post(reverse("intake:commit", args=[batch.pk]), {"skip_invalid": "on"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert not Loan.objects.exists()


def test_a_preview_is_committed_once_only(client_for, sample_loans):
    client, _, batch = preview_sample_as_district_admin(client_for, sample_loans)
    client.post(reverse("intake:commit", args=[batch.pk]), {"skip_invalid": "on"})

    replay = client.post(reverse("intake:commit", args=[batch.pk]), {"skip_invalid": "on"}, follow=True)

    assert "不能再次导入" in replay.content.decode()
    assert ImportBatch.objects.get(pk=batch.pk).created == 423
    assert Loan.objects.count() == 423


def test_another_user_cannot_commit_or_cancel_someone_elses_preview(client_for, cast, sample_loans):
    staff = client_for("branch_staff")
    post_upload(staff, "loans", sample_loans, as_of="2026-03-31")
    batch = only_batch()

    # The district admin sees the batch but may not decide for its uploader; others do not even see it.
    assert client_for("district_admin").post(reverse("intake:commit", args=[batch.pk]), {"skip_invalid": "on"}).status_code == 403
    assert client_for("district_admin").post(reverse("intake:cancel", args=[batch.pk])).status_code == 403
    assert client_for("township_admin").post(reverse("intake:commit", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW
    assert not Loan.objects.exists()


def test_branch_staff_previews_the_sample_and_imports_only_their_own_branch(client_for, units, sample_loans):
    client = client_for("branch_staff")
    response = post_upload(client, "loans", sample_loans, as_of="2026-03-31", create_units="on")
    batch = only_batch()
    assert response.status_code == 302
    assert batch.options["create_units"] is False  # not theirs to choose, whatever the form says
    refused = {r["row"]: r for r in batch.report["refused"]}
    for row in (430, 431, 432, 433):  # refused whoever imports the file
        assert row in refused
    page = client.get(response["Location"]).content.decode()
    assert "身份证号被存成了数字" in page

    client.post(reverse("intake:commit", args=[batch.pk]), {"skip_invalid": "on"})

    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert batch.created > 0
    assert Loan.objects.count() == batch.created
    assert set(Loan.objects.values_list("branch", flat=True)) == {units.branch_a.pk}


def test_an_unusable_file_shows_the_chinese_message_on_the_form(client_for, tmp_path):
    path = write_csv(tmp_path / "nothing.csv", [["姓名", "金额"], ["张三", "100"]])

    response = post_upload(client_for("branch_staff"), "loans", path)

    assert response.status_code == 200
    assert "缺少必需的列：借据号" in response.content.decode()
    assert only_batch().status == BatchStatus.FAILED


def test_a_file_that_is_not_a_spreadsheet_is_refused_by_the_form(client_for, tmp_path):
    path = tmp_path / "loans.pdf"
    path.write_bytes(b"%PDF-1.4")

    response = post_upload(client_for("branch_staff"), "loans", path)

    assert response.status_code == 200
    assert "不支持的文件类型" in response.content.decode()
    assert not ImportBatch.objects.exists()


# -- roster scope -----------------------------------------------------------------------------------------
def test_a_township_admins_roster_lands_in_their_township_and_they_cannot_choose_another(client_for, units):
    client = client_for("township_admin")
    form_page = client.get(reverse("intake:upload", args=["roster"]) + "?sub_kind=dibao").content.decode()
    assert 'name="township"' not in form_page
    assert units.town_a.name in form_page

    post_upload(client, "roster", SAMPLES / "roster_dibao.xlsx", sub_kind="dibao", as_of="2026-03-31",
                township=str(units.town_b.pk), skip_invalid="on")
    batch = only_batch()
    assert batch.township == units.town_a
    client.post(reverse("intake:commit", args=[batch.pk]))

    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    entries = RosterEntry.objects.filter(kind="dibao")
    assert entries.count() == batch.created > 0
    assert set(entries.values_list("township", flat=True)) == {units.town_a.pk}


def test_the_district_admin_chooses_a_rosters_scope(client_for, units):
    client = client_for("district_admin")
    post_upload(client, "roster", SAMPLES / "roster_deceased.xlsx", sub_kind="deceased", township=str(units.town_b.pk))
    post_upload(client, "roster", SAMPLES / "roster_deceased.xlsx", sub_kind="deceased")
    scoped, district_wide = ImportBatch.objects.order_by("pk")
    assert scoped.township == units.town_b
    assert district_wide.township is None


# -- downloads ---------------------------------------------------------------------------------------------
def read_xlsx(content: bytes, sheet: int = 0) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(sheet).to_python()


def test_the_refused_rows_workbook_holds_the_rows_with_their_reasons_and_ids_as_text(client_for, sample_loans, tmp_path):
    client, _, batch = preview_sample_as_district_admin(client_for, sample_loans)

    response = client.get(reverse("intake:refused", args=[batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response.content)
    header, data = rows[0], rows[1:]
    assert header[-1] == "错误原因"
    assert "借据号" in header and "身份证号" in header and "序号" not in header
    assert len(data) == 6
    reasons = [r[-1] for r in data]
    assert [int(r.split("第")[1].split("行")[0]) for r in reasons] == SAMPLE_REFUSED_ROWS
    assert "校验位错误" in reasons[2] and "身份证号无效" in reasons[2]
    id_col = header.index("身份证号")
    assert all(isinstance(r[id_col], str) for r in data if r[id_col] != "")
    assert data[1][id_col].startswith("6104311966")  # the ID Excel had turned into a number, now text
    assert AuditLog.objects.filter(action="export_unmasked", object_id=str(batch.pk)).exists()

    # Fixed or not, it goes straight back in: the header is found and every row is read again.
    again = tmp_path / "fixed.xlsx"
    again.write_bytes(response.content)
    post_upload(client, "loans", again, as_of="2026-03-31", create_units="on")
    second = ImportBatch.objects.latest("pk")
    assert second.status == BatchStatus.PREVIEW
    assert second.rows_read == 6
    assert second.report["unknown_columns"] == ["错误原因"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_blank_template_of_every_kind_has_a_header_the_importer_finds(client_for, kind):
    response = client_for("district_admin").get(reverse("intake:template", args=[kind]))

    assert response.status_code == 200
    assert ".xlsx" in response["Content-Disposition"]
    rows = read_xlsx(response.content)
    columns = importer_for(kind, {"roster": "dibao", "loan-list": "impersonated_or_staff"}.get(kind)).columns
    header = find_header(list(enumerate(rows, start=1)), columns)
    assert header.row_no == 1
    assert header.unknown == []
    assert set(header.index) == {c.field for c in columns}
    notes = read_xlsx(response.content, 1)
    assert any("2019年3月15日" in str(cell) for row in notes for cell in row)


def test_roster_templates_are_named_after_their_roster(client_for):
    response = client_for("township_admin").get(reverse("intake:template", args=["roster"]) + "?sub_kind=deceased")
    assert response.status_code == 200
    assert "%E6%AD%BB%E4%BA%A1" in response["Content-Disposition"]  # 死亡 of 死亡人员名单, percent-encoded


def test_the_stored_file_is_downloadable_by_its_uploader_and_the_district_admin_only(client_for, sample_loans):
    post_upload(client_for("branch_staff"), "loans", sample_loans, as_of="2026-03-31")
    batch = only_batch()
    url = reverse("intake:file", args=[batch.pk])

    own = client_for("branch_staff").get(url)
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == sample_loans.read_bytes()
    assert client_for("district_admin").get(url).status_code == 200
    assert client_for("district_leader").get(url).status_code == 403  # sees the batch, not the IDs in it
    assert client_for("township_admin").get(url).status_code == 404
    assert AuditLog.objects.filter(action="export_unmasked", object_type="import_batch").count() == 2


# -- batch pages -------------------------------------------------------------------------------------------
def test_the_batch_list_shows_each_person_their_own_batches_and_the_district_all(client_for, sample_loans, tmp_path):
    post_upload(client_for("branch_staff"), "loans", sample_loans, as_of="2026-03-31")
    roster = write_xlsx(tmp_path / "r.xlsx", [["姓名", "身份证号"]])
    post_upload(client_for("township_admin"), "roster", roster, sub_kind="dibao")
    loans_batch, roster_batch = ImportBatch.objects.order_by("pk")

    def listed(role):
        page = client_for(role).get(reverse("intake:list")).content.decode()
        return {b.pk for b in (loans_batch, roster_batch) if reverse("intake:detail", args=[b.pk]) in page}

    assert listed("branch_staff") == {loans_batch.pk}
    assert listed("township_admin") == {roster_batch.pk}
    assert listed("district_admin") == {loans_batch.pk, roster_batch.pk}
    assert listed("collector") == set()
    assert client_for("township_admin").get(reverse("intake:detail", args=[loans_batch.pk])).status_code == 404
    page = client_for("district_admin").get(reverse("intake:detail", args=[loans_batch.pk])).content.decode()
    assert loans_batch.sha256 in page and "loans.xlsx" in page
    assert "确认导入" not in page and "跳过错误行导入" not in page  # not the uploader
