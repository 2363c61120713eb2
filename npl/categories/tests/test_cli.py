"""`npl report` and `npl campaign`: the INTAKE.md shapes, and exit 2 with a Chinese message on an unusable call."""
import io
import json

import pytest
from django.core.management import call_command

from npl.categories.tests.conftest import on_roster


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_report_categories_prints_the_intake_shape_for_a_township(make_loan, town):
    on_roster(make_loan("L1", "12345.67").borrower, "deceased")
    data = json.loads(run("report", "categories", "--township", "柳溪镇", "--as-of", "2026-04-01", "--json"))
    assert (data["scope"], data["as_of"]) == ("柳溪镇", "2026-04-01")
    deceased = next(c for c in data["categories"] if c["code"] == "deceased")
    assert deceased == {"code": "deceased", "name": "借款人已死亡贷款", "count": 1, "amount": "12345.67",
                        "amount_wan": "1.23", "households": 1}


def test_campaign_create_then_summary(make_loan):
    make_loan("L1", "10000.00")
    created = json.loads(run("campaign", "create", "攻坚行动", "--baseline", "2026年3月31日", "--json"))
    assert (created["baseline"], created["task_count"], created["task_amount"]) == ("2026-03-31", 1, "10000.00")
    data = json.loads(run("report", "summary", "--as-of", "20260930", "--json"))
    assert set(data) >= {"scope", "campaign", "as_of", "task_count", "task_amount", "collected_count", "collected_amount",
                         "remaining_amount", "interest_collected", "recovery_rate"}
    assert (data["campaign"], data["recovery_rate"]) == ("攻坚行动", "0.00")
    assert "清收率：0.00%" in run("report", "summary", "--as-of", "2026-09-30")


@pytest.mark.parametrize("args, message", [
    (["report", "categories", "--township", "无此镇", "--json"], "乡镇“无此镇”不存在"),
    (["report", "categories", "--as-of", "2026-02-30", "--json"], "不是有效日期"),
    (["report", "summary", "--json"], "还没有清收行动"),
    (["report", "summary", "--campaign", "无", "--json"], "清收行动“无”不存在"),
    (["campaign", "create", "行动", "--baseline", "昨天"], "无法识别"),
])
def test_an_unusable_call_exits_2_with_a_chinese_message(db, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        run(*args)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
