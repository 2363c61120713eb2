"""The intake pages speak Chinese and say the true reason (issue 17): labels not codes, whose loan it is."""
import re

import pytest
from django.urls import reverse

from npl.intake.models import ImportBatch
from npl.intake.tests.sheets import write_xlsx

pytestmark = pytest.mark.django_db

LEDGER = ["借据号", "催收日期", "催收方式", "签收情况"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def preview(client, kind, path, **data):
    with open(path, "rb") as fh:
        response = client.post(reverse("intake:upload", args=[kind]), {"file": fh, **data})
    assert response.status_code == 302
    return ImportBatch.objects.latest("pk"), client.get(response["Location"]).content.decode()


def test_a_township_admins_ledger_row_for_another_townships_loan_says_whose_it_is(client_for, loans, tmp_path):
    path = write_xlsx(tmp_path / "ledger.xlsx", [
        LEDGER,
        ["LA001", "2026-04-02", "上门催收", "借款人签收"],
        ["LB001", "2026-04-02", "上门催收", "借款人签收"],
        ["ZZ999", "2026-04-02", "上门催收", "借款人签收"],
    ])
    batch, page = preview(client_for("township_admin"), "actions", path)
    refused = {r["row"]: r for r in batch.report["refused"]}
    assert refused[3]["reason"] == "out_of_scope"
    assert refused[3]["message"].startswith("该借据属于其他乡镇（桃源乡），不在您的范围内")
    assert refused[4]["reason"] == "unknown_loan"
    assert "该借据属于其他乡镇（桃源乡）" in page and "不在您的范围内" in page and "借据号不存在" in page


def test_the_same_row_from_the_command_line_is_district_wide_and_imports(loans, tmp_path, npl_import):
    path = write_xlsx(tmp_path / "ledger.xlsx", [LEDGER, ["LB001", "2026-04-02", "上门催收", "借款人签收"]])
    code, report, _ = npl_import("actions", path)
    assert code == 0 and report["created"] == 1


def test_a_branch_clerks_repayment_for_another_branchs_loan_names_that_branch(client_for, loans, tmp_path):
    path = write_xlsx(tmp_path / "flow.xlsx", [["交易流水号", "借据号", "还款日期", "归还本金"], ["T1", "LB001", "2026-04-01", "100"]])
    batch, page = preview(client_for("branch_staff"), "repayments", path)
    assert [(r["reason"], r["message"].split("，请")[0]) for r in batch.report["refused"]] == [("out_of_scope", "该借据属于其他网点（桃源支行），不在您的范围内")]


def test_the_error_table_shows_reasons_and_keys_in_chinese_never_their_codes(client_for, loans, tmp_path):
    path = write_xlsx(tmp_path / "ledger.xlsx", [
        LEDGER,
        ["LA001", "2026-04-02", "上门催收", "借款人签收"],
        ["LA001", "2026-04-02", "上门催收", "拒签"],
        ["ZZ999", "2026-04-02", "电话催收", "未签收"],
    ])
    batch, page = preview(client_for("district_admin"), "actions", path)
    assert {r["reason"] for r in batch.report["refused"]} == {"conflicting_duplicate", "unknown_loan"}
    assert "LA001|2026-04-02|visit" in {r["key"] for r in batch.report["refused"]}  # the JSON keeps its key
    assert "LA001|2026-04-02|上门催收" in page and "重复且内容不一致" in page and "借据号不存在" in page
    visible = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1])
    for code in ("conflicting_duplicate", "unknown_loan", "visit", "|phone"):
        assert code not in visible


def test_a_conflicting_roster_duplicate_is_named_by_the_masked_id_alone(tmp_path, npl_import, ids):
    path = write_xlsx(tmp_path / "r.xlsx", [["姓名", "身份证号"], ["张三", ids[0]], ["张四", ids[0]]])
    code, report, _ = npl_import("roster", "deceased", path, "--as-of", "2026-03-31")
    assert code == 1 and [r["reason"] for r in report["refused"]] == ["conflicting_duplicate"] * 2
    message = report["refused"][0]["message"]
    assert message.startswith(ids[0][:3] + "*" * 11 + ids[0][-4:] + " ") and "#" not in message and ids[0] not in message
