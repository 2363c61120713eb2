"""`npl payoff`: the JSON contract and the exit codes."""
import json
from io import StringIO

import pytest
from django.core.management import call_command

from npl.waivers.tests.conftest import SNAPSHOT


def test_payoff_json_gives_the_figures_as_strings_in_yuan(make_loan):
    make_loan("W1", maturity=SNAPSHOT, on="1000")
    out = StringIO()
    call_command("payoff", "W1", "--as-of", "2026-04-10", "--json", stdout=out)
    data = json.loads(out.getvalue())
    # 10 days of penalty at 15.00, compound 1000 × 0.00015 × 10; the default policy's general tier halves both
    assert {k: data[k] for k in ("loan_no", "as_of", "principal", "interest", "penalty", "compound", "waivable", "to_pay")} == {
        "loan_no": "W1", "as_of": "2026-04-10", "principal": "100000.00", "interest": "1000.00", "penalty": "150.00",
        "compound": "1.50", "waivable": "75.75", "to_pay": "101075.75"}
    assert data["policy"] == "2026年第1版 · 一般户 · 一次性结清本金"
    assert data["lines"] and all(isinstance(line, str) for line in data["lines"])


@pytest.mark.parametrize("args, code, message", [
    (["NOPE"], 1, "借据号“NOPE”不存在"),
    (["W1", "--as-of", "2026-03-01"], 1, "早于银行最新数据日期"),
    (["W1", "--as-of", "someday"], 2, "无法识别"),
])
def test_payoff_refusals_are_chinese_lines_with_exit_codes(make_loan, args, code, message, capsys):
    make_loan("W1")
    with pytest.raises(SystemExit) as exc:
        call_command("payoff", *args)
    assert exc.value.code == code
    assert message in capsys.readouterr().err

