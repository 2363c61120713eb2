"""An import through the API gives the same batch report as `npl import … --json` for the same file."""
import json

import pytest
from django.core.management import call_command

from npl import testing
from npl.intake.models import ImportBatch
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_xlsx
from npl.loans.models import Loan

# Fields that name the run rather than the file's content.
RUN_FIELDS = {"batch"}


@pytest.fixture
def bank_file(tmp_path, units):
    """Three good rows and one with an invalid ID number (refused)."""
    return write_xlsx(tmp_path / "银行不良贷款.xlsx", [
        LOAN_HEADER,
        loan_row("N001", testing.valid_id(101), name="赵一"),
        loan_row("N002", testing.valid_id(102), name="钱二", balance="120000"),
        loan_row("N003", testing.valid_id(103), name="孙三", town="桃源乡", branch="桃源支行"),
        loan_row("N004", "610523199001011230", name="周四"),
    ])


def cli_report(path, *args) -> dict:
    from io import StringIO

    out = StringIO()
    try:
        call_command("import", "loans", str(path), "--as-of", "2026-03-31", "--json", *args, stdout=out)
    except SystemExit:
        pass  # exit 1 when rows are refused without --skip-invalid; the report is printed first
    return json.loads(out.getvalue())


def api_upload(client, path, **fields):
    with open(path, "rb") as fh:
        return client.post("/api/imports/", {"kind": "loans", "file": fh, "as_of": "2026-03-31", **fields})


def without(report: dict, fields=RUN_FIELDS) -> dict:
    return {k: v for k, v in report.items() if k not in fields}


def test_api_preview_report_equals_the_cli_dry_run_report(bank_file, cast, api_client):
    expected = cli_report(bank_file, "--dry-run")
    response = api_upload(api_client("district_admin", via="token"), bank_file)
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["status"] == "preview"
    assert without(batch["report"]) == without(expected)
    assert [r["reason"] for r in batch["report"]["refused"]] == ["invalid_id_number"]
    assert not Loan.objects.filter(loan_no__startswith="N").exists()


def test_committed_api_import_reports_what_the_cli_would_write(bank_file, cast, api_client):
    expected = cli_report(bank_file, "--dry-run", "--skip-invalid")
    client = api_client("district_admin", via="token")
    batch_id = api_upload(client, bank_file, skip_invalid="true").json()["id"]

    committed = client.post(f"/api/imports/{batch_id}/commit/", {}, content_type="application/json")

    assert committed.status_code == 200, committed.content
    polled = client.get(f"/api/imports/{batch_id}/").json()
    assert polled["status"] == "committed"
    assert without(polled["report"], RUN_FIELDS | {"dry_run", "written"}) == without(expected, RUN_FIELDS | {"dry_run", "written"})
    assert polled["report"]["written"] is True
    assert set(Loan.objects.filter(loan_no__startswith="N").values_list("loan_no", flat=True)) == {"N001", "N002", "N003"}


def test_a_batch_is_committed_once_and_only_by_its_uploader(bank_file, cast, api_client, token_for):
    client = api_client("district_admin", via="token")
    batch_id = api_upload(client, bank_file, skip_invalid="true").json()["id"]
    _, other_key = token_for("district_admin", name="另一个系统")
    other = api_client(None)
    other.defaults["HTTP_AUTHORIZATION"] = f"Token {other_key}"

    assert other.post(f"/api/imports/{batch_id}/commit/").json()["error"]["code"] == "permission_denied"
    assert client.post(f"/api/imports/{batch_id}/commit/").status_code == 200
    again = client.post(f"/api/imports/{batch_id}/commit/")
    assert again.status_code == 400
    assert again.json()["error"]["fields"]["non_field_errors"] == ["该批次已经确认或取消，不能再次导入"]


def test_cancelled_preview_writes_nothing(bank_file, cast, api_client):
    client = api_client("district_admin", via="token")
    batch_id = api_upload(client, bank_file).json()["id"]
    assert client.post(f"/api/imports/{batch_id}/cancel/").json()["status"] == "cancelled"
    assert not Loan.objects.filter(loan_no__startswith="N").exists()


def test_upload_kinds_follow_the_page_rules(bank_file, cast, api_client):
    # A court liaison uploads litigation files only; the bank's loan list is refused.
    response = api_upload(api_client("court_liaison", via="token"), bank_file)
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "message": "您的角色不能上传这类数据"}
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_naming_the_file(tmp_path, cast, api_client):
    path = tmp_path / "notes.txt"
    path.write_text("不是表格")
    response = api_upload(api_client("district_admin"), path)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "不支持的文件类型" in error["fields"]["file"][0]


def test_batches_of_others_are_404(bank_file, cast, api_client):
    batch_id = api_upload(api_client("district_admin"), bank_file).json()["id"]
    assert api_client("branch_staff").get(f"/api/imports/{batch_id}/").status_code == 404
