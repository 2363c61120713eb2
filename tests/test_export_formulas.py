"""Nothing from data becomes a formula: formula-looking names imported into every text field that reaches an
export stay plain text in every .xlsx the platform writes (OWASP CSV/formula injection)."""
import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from npl import testing
from npl.campaigns.services import create_campaign
from npl.intake.services import run_import
from npl.loans.models import Loan
from npl.reports.services import backfill

VILLAGE = '=HYPERLINK("http://evil.example/","点我")'
BORROWER = "=1+1"
TOWNSHIP = "+SUM(2,3)"
BRANCH = "@SUM(1)"
COLLECTOR = "-2+3"
CAMPAIGN = "=cmd|' /C calc'!A0"
AS_OF = dt.date(2026, 3, 31)
HEAD = ["借据号", "借款人", "身份证号", "乡镇", "村(社区)", "网点", "贷款金额", "贷款余额", "发放日期", "到期日期", "担保方式"]


@pytest.fixture
def imported(cast, tmp_path):
    """Two loans whose every name looks like a formula, and a refused row (bad ID number) that does too."""
    path = tmp_path / "loans.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEAD)
        out.writerow(["F001", BORROWER, testing.valid_id(901), TOWNSHIP, VILLAGE, BRANCH, "100000", "80000", "2020-01-01", "2023-01-01", "保证"])
        out.writerow(["F002", "=2+2", testing.valid_id(902), TOWNSHIP, VILLAGE, BRANCH, "50000", "50000", "2020-01-01", "2023-01-01", "信用"])
        out.writerow(["F003", "=3+3", "6105231990", TOWNSHIP, VILLAGE, BRANCH, "50000", "50000", "2020-01-01", "2023-01-01", "信用"])
    report = run_import("loans", path, as_of=AS_OF, create_units=True, skip_invalid=True, user=cast["district_admin"])
    assert report["created"] == 2 and len(report["refused"]) == 1
    collector = cast["collector"]
    collector.display_name = COLLECTOR
    collector.save()
    Loan.objects.filter(loan_no__in=["F001", "F002"]).update(responsible_person=collector)
    campaign = create_campaign(CAMPAIGN, AS_OF)
    backfill(dt.date(2026, 4, 1), dt.date(2026, 4, 12))
    return report, campaign


def _cells(xlsx: bytes) -> tuple[list[str], str]:
    """(the formulas of every sheet, all the workbook's text) read from the file's XML, as Excel would open it."""
    book = zipfile.ZipFile(io.BytesIO(xlsx))
    formulas, text = [], []
    for name in book.namelist():
        if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
            xml = book.read(name).decode()
            formulas += re.findall(r"<f>(.*?)</f>", xml)
            text.append(xml)
    return formulas, "\n".join(text)


def test_every_export_keeps_formula_looking_names_as_text(imported, client_for):
    report, campaign = imported
    c = client_for("district_admin")
    exports = {
        "campaign": c.get(reverse("campaigns:export_xlsx", args=[campaign.pk]), {"date": "2026-04-12"}),
        "categories": c.get(reverse("categories:export_xlsx")),
        "weekly": c.get(reverse("reports:download", args=["weekly", "xlsx"]), {"week": "2026-W15", "campaign": campaign.pk}),
        "daily": c.get(reverse("reports:download", args=["daily", "xlsx"]), {"date": "2026-04-08", "campaign": campaign.pk}),
        "refused rows": c.get(reverse("intake:refused", args=[report["batch"]])),
    }
    seen = {}
    for what, resp in exports.items():
        assert resp.status_code == 200, what
        formulas, text = _cells(resp.content)
        assert formulas == [], what
        seen[what] = text
    assert VILLAGE in seen["campaign"] and TOWNSHIP in seen["campaign"] and COLLECTOR in seen["campaign"]
    assert TOWNSHIP in seen["weekly"] and TOWNSHIP in seen["daily"]
    assert "=3+3" in seen["refused rows"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(exports["weekly"].content)).get_sheet_by_index(0).to_python()
    assert TOWNSHIP in [r[1] for r in rows]  # read back as the name, not as the number 5
