"""The order of a case's stages (起诉 → 立案 → 开庭 → 判决/调解 → 生效 → 申请执行 → 执行立案 → 终本 ⇄ 恢复执行 → 结案).

One pure function, `refusal`, says whether a move is allowed and, if not, why (in Chinese, shown to
the court liaison as it is). The services and the page's stage menu both read it.
"""
from __future__ import annotations

import datetime as dt

from npl.litigation.choices import ENFORCEMENT_STAGES, JUDGMENT_STAGES, Stage

S = Stage
# Where a case may go next. Forward skips are allowed before judgment because the liaison often
# learns of a case late (an imported case may say only 已立案 when the judgment is already out);
# the enforcement round is strict, and 结案 ends everything (撤诉, 履行完毕, 执行完毕).
NEXT: dict[str, tuple[str, ...]] = {
    S.FILED: (S.ACCEPTED, S.TRIAL, S.JUDGED, S.MEDIATED, S.CLOSED),
    S.ACCEPTED: (S.TRIAL, S.JUDGED, S.MEDIATED, S.CLOSED),
    S.TRIAL: (S.JUDGED, S.MEDIATED, S.CLOSED),
    S.JUDGED: (S.EFFECTIVE, S.ENFORCEMENT_APPLIED, S.ENFORCING, S.CLOSED),
    S.MEDIATED: (S.EFFECTIVE, S.ENFORCEMENT_APPLIED, S.ENFORCING, S.CLOSED),
    S.EFFECTIVE: (S.ENFORCEMENT_APPLIED, S.ENFORCING, S.CLOSED),
    S.ENFORCEMENT_APPLIED: (S.ENFORCING, S.CLOSED),
    S.ENFORCING: (S.TERMINATED_ROUND, S.CLOSED),
    S.TERMINATED_ROUND: (S.RESUMED, S.CLOSED),  # 终本 may be resumed when new assets turn up
    S.RESUMED: (S.TERMINATED_ROUND, S.CLOSED),
    S.CLOSED: (),
}


def label(stage: str) -> str:
    return dict(Stage.choices).get(stage, stage)


def has_judgment(current: str, history: list[str], judgment_on: dt.date | None) -> bool:
    """A judgment or mediation exists: a dated judgment, or a judgment-or-later stage reached."""
    reached = set(history) | {current}
    return judgment_on is not None or bool(reached & {*JUDGMENT_STAGES, *ENFORCEMENT_STAGES})


def refusal(
    current: str,
    target: str,
    on: dt.date,
    *,
    last_on: dt.date | None,
    today: dt.date,
    history: list[str] = (),
    judgment_on: dt.date | None = None,
) -> str | None:
    """Why the case may not move from `current` to `target` on `on`; None when it may."""
    if target not in NEXT:
        return f"未知阶段：{target}"
    if current == Stage.CLOSED:
        return "案件已结案，不能再变更阶段"
    if target == current:
        return f"案件已处于“{label(current)}”阶段"
    if target in ENFORCEMENT_STAGES and not has_judgment(current, list(history), judgment_on):
        return "尚无生效判决或调解，不能申请执行"
    if target == Stage.RESUMED and current != Stage.TERMINATED_ROUND:
        return "只有终结本次执行的案件才能恢复执行"
    if target not in NEXT[current]:
        return f"不能从“{label(current)}”直接进入“{label(target)}”"
    if on > today:
        return "阶段日期不能晚于今天"
    if last_on is not None and on < last_on:
        return f"阶段日期不能早于上一阶段日期（{last_on:%Y-%m-%d}）"
    return None


def next_stages(current: str, history: list[str] = (), judgment_on: dt.date | None = None) -> list[str]:
    """The stages the page offers next (the enforcement ones only once a judgment exists)."""
    judged = has_judgment(current, list(history), judgment_on)
    return [s for s in NEXT.get(current, ()) if judged or s not in ENFORCEMENT_STAGES]
