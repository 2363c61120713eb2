"""The upload pages and column mappings (issue 13): an ambiguous header is refused with a form to choose
the columns; the choice is saved by name, offered on the next upload, and scoped like the intake pages;
hidden rows and the columns read are shown on the preview."""
import pytest
import xlsxwriter
from django.urls import reverse

from npl import testing
from npl.intake.choices import BatchStatus
from npl.intake.models import ColumnMapping, ImportBatch
from npl.intake.tests.sheets import LOAN_HEADER, loan_row, write_xlsx

STALE = [*LOAN_HEADER[:6], "余额", "本金余额", *LOAN_HEADER[7:]]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def stale_balance_file(path, ids):
    rows = [STALE]
    for i, loan_no in enumerate(["B1", "B2"]):
        row = loan_row(loan_no, ids[i], town="柳溪镇", branch="柳溪支行", balance="5000.00")
        rows.append([*row[:6], "1.00", *row[6:]])
    return write_xlsx(path, rows)


def post_upload(client, path, **data):
    with open(path, "rb") as fh:
        return client.post(reverse("intake:upload", args=["loans"]), {"file": fh, "as_of": "2026-03-31", **data})


def test_an_ambiguous_header_is_refused_with_a_form_to_choose_then_saved_and_offered_next_time(client_for, tmp_path, units):
    ids = [testing.valid_id(i) for i in range(1, 4)]
    client = client_for("branch_staff")
    response = post_upload(client, stale_balance_file(tmp_path / "a.xlsx", ids))
    page = response.content.decode()
    assert response.status_code == 200
    assert "“余额”和“本金余额”" in page and "列映射" in page
    assert '<option value="本金余额">本金余额</option>' in page
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED

    response = client.post(reverse("intake:mapping", args=[batch.pk]), {"col_balance": "本金余额", "name": "柳溪信贷导出"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW and batch.error == ""
    assert batch.report["columns"]["balance"] == "本金余额" and batch.created == 2
    saved = ColumnMapping.objects.get(name="柳溪信贷导出")
    assert saved.columns == {"balance": "本金余额"} and saved.branch == units.branch_a

    detail = client.get(reverse("intake:detail", args=[batch.pk])).content.decode()
    assert "读取的列" in detail and "本金余额" in detail

    form_page = client.get(reverse("intake:upload", args=["loans"])).content.decode()
    assert "柳溪信贷导出" in form_page
    post_upload(client, stale_balance_file(tmp_path / "b.xlsx", ids), mapping=saved.pk)
    second = ImportBatch.objects.latest("pk")
    assert second.status == BatchStatus.PREVIEW and second.report["columns"]["balance"] == "本金余额"


def test_a_mapping_that_reads_one_column_twice_is_refused_on_the_form(client_for, tmp_path, units):
    client = client_for("branch_staff")
    post_upload(client, stale_balance_file(tmp_path / "a.xlsx", [testing.valid_id(1), testing.valid_id(2)]))
    batch = ImportBatch.objects.get()
    client.post(reverse("intake:mapping", args=[batch.pk]), {"col_balance": "本金余额", "col_amount": "本金余额"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and not ColumnMapping.objects.exists()


def test_saved_mappings_are_offered_only_within_the_pages_scope(client_for, units, cast):
    other = testing.branch("东岭支行", units.town_b)
    ColumnMapping.objects.create(name="东岭导出", kind="loans", branch=other)
    ColumnMapping.objects.create(name="柳溪导出", kind="loans", branch=units.branch_a)
    branch_page = client_for("branch_staff").get(reverse("intake:upload", args=["loans"])).content.decode()
    assert "柳溪导出" in branch_page and "东岭导出" not in branch_page
    admin_page = client_for("district_admin").get(reverse("intake:upload", args=["loans"])).content.decode()
    assert "柳溪导出" in admin_page and "东岭导出" in admin_page


def test_only_the_uploader_may_remap_a_preview(client_for, tmp_path, units):
    post_upload(client_for("branch_staff"), stale_balance_file(tmp_path / "a.xlsx", [testing.valid_id(1), testing.valid_id(2)]))
    batch = ImportBatch.objects.get()
    response = client_for("district_admin").post(reverse("intake:mapping", args=[batch.pk]), {"col_balance": "本金余额"})
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED


def test_the_preview_lists_rows_hidden_in_the_sheet(client_for, tmp_path, units):
    path = tmp_path / "hidden.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, LOAN_HEADER)
    for r in range(1, 4):
        ws.write_row(r, 0, loan_row(f"H{r}", testing.valid_id(r)))
    ws.set_row(2, None, None, {"hidden": True})
    wb.close()
    client = client_for("district_admin")
    post_upload(client, path, create_units="on")
    batch = ImportBatch.objects.get()
    assert batch.report["hidden_rows"] == {"count": 1, "rows": [3]}
    page = client.get(reverse("intake:detail", args=[batch.pk])).content.decode()
    assert "隐藏的行（1）" in page and "第 3 行" in page


def test_the_refused_rows_of_a_wan_file_come_back_labelled_in_wan(client_for, tmp_path, units):
    import io

    from python_calamine import CalamineWorkbook

    bad_id = testing.valid_id(2)[:17] + ("1" if testing.valid_id(2)[17] == "0" else "0")
    rows = [["单位：万元"], LOAN_HEADER, loan_row("W1", testing.valid_id(1), amount="12.5", balance="10"),
            loan_row("W2", bad_id, amount="20", balance="15.5")]
    client = client_for("district_admin")
    post_upload(client, write_xlsx(tmp_path / "wan.xlsx", rows), create_units="on")
    batch = ImportBatch.objects.get()
    assert [r["row"] for r in batch.report["refused"]] == [4]
    content = client.get(reverse("intake:refused", args=[batch.pk])).content
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert sheet[0][5:7] == ["贷款金额（万元）", "贷款余额（万元）"]
    assert sheet[1][0] == "W2" and sheet[1][6] == "15.5"


def test_the_upload_form_refuses_a_file_over_the_size_limit(client_for, tmp_path, settings, units):
    settings.NPL_IMPORT_MAX_FILE_MB = 0
    path = write_xlsx(tmp_path / "a.xlsx", [LOAN_HEADER, loan_row("X1", testing.valid_id(1))])
    response = post_upload(client_for("branch_staff"), path)
    assert response.status_code == 200 and "文件过大" in response.content.decode()
    assert not ImportBatch.objects.exists()


def ledger_with_two_key_columns(path):
    """A township's 催收台账 carrying the bank's 贷款账号 left of the 借据编号 the system knows."""
    rows = [["贷款账号", "借据编号", "催收日期", "催收方式", "签收情况", "催收人"]]
    rows += [["6228480001", "LA001", "2026-04-01", "上门催收", "借款人签收", "王干部"],
             ["6228480002", "LA002", "2026-04-02", "电话催收", "未签收", "王干部"]]
    return write_xlsx(path, rows)


def test_a_township_admin_maps_an_ambiguous_ledger_once_and_is_offered_the_mapping_next_time(client_for, tmp_path, loans):
    client = client_for("township_admin")

    def upload(path, **data):
        with open(path, "rb") as fh:
            return client.post(reverse("intake:upload", args=["actions"]), {"file": fh, **data})

    page = upload(ledger_with_two_key_columns(tmp_path / "a.xlsx")).content.decode()
    assert "“贷款账号”和“借据编号”" in page and '<option value="借据编号">借据编号</option>' in page
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED

    client.post(reverse("intake:mapping", args=[batch.pk]), {"col_loan_no": "借据编号", "name": "柳溪镇台账"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW and batch.created == 2
    assert batch.report["columns"]["loan_no"] == "借据编号"
    saved = ColumnMapping.objects.get(name="柳溪镇台账")
    assert saved.kind == "actions" and saved.columns == {"loan_no": "借据编号"}

    form_page = client.get(reverse("intake:upload", args=["actions"])).content.decode()
    assert "柳溪镇台账" in form_page
    upload(ledger_with_two_key_columns(tmp_path / "b.xlsx"), mapping=saved.pk)
    second = ImportBatch.objects.latest("pk")
    assert second.status == BatchStatus.PREVIEW and second.created == 2
