"""The one ruler (一把尺子): which tier of the policy in force applies to a loan, and what it lets be waived.

`choose_tier` is pure: tiers, the loan's category codes on the day, its owed figures and the day → the
tier's offer (or None) with the reason in plain Chinese. Among the tiers that apply, the most favourable to
the borrower wins (largest amount waived); equal amounts go to the higher priority, then the older tier —
so exactly one tier, and the same inputs always pick the same one.
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from npl.categories.choices import NAMES
from npl.waivers.choices import ANY_CATEGORY, RepayMode
from npl.waivers.interest import fen

HUNDRED = Decimal("100")


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def share_text(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}%"


def condition_text(tier) -> str:
    """The tier's condition in plain Chinese (e.g. 2026年12月31日前一次性归还全部本金)."""
    if tier.mode == RepayMode.INSTALMENTS:
        return f"{cn_date(tier.repay_by)}前分期（最多{tier.max_instalments}期）归还全部本金"
    return f"{cn_date(tier.repay_by)}前一次性归还全部本金"


def mode_text(tier) -> str:
    if tier.mode == RepayMode.INSTALMENTS:
        return f"分期结清本金（最多{tier.max_instalments}期）"
    return "一次性结清本金"


def tier_label(tier) -> str:
    """`2026年第1版 · 特殊户（低保户）· 一次性结清本金`: how the payoff and the sheet name a tier."""
    return f"{tier.version.name} · {tier.name} · {mode_text(tier)}"


def category_text(code: str) -> str:
    return "所有贷款" if code == ANY_CATEGORY else NAMES.get(code, code)


def rule_text(tier) -> str:
    """The rule in plain Chinese, for the payoff and the 明白纸."""
    return (f"按{tier.version.name}减免政策“{tier.name}”档（适用：{category_text(tier.category)}）："
            f"罚息减免{share_text(tier.penalty_share)}，复利减免{share_text(tier.compound_share)}，"
            f"利息减免{share_text(tier.interest_share)}；条件：{condition_text(tier)}，先还后免")


@dataclass(frozen=True)
class Offer:
    """What one tier lets be waived from the figures of a day, part by part (each rounded to the fen)."""

    tier: object
    penalty: Decimal
    compound: Decimal
    interest_on: Decimal
    interest_off: Decimal

    @property
    def interest(self) -> Decimal:
        return self.interest_on + self.interest_off

    @property
    def total(self) -> Decimal:
        return self.penalty + self.compound + self.interest_on + self.interest_off

    def parts(self) -> tuple[tuple[str, Decimal], ...]:
        return (("penalty", self.penalty), ("compound", self.compound), ("interest_on", self.interest_on),
                ("interest_off", self.interest_off))


def offer(tier, figures) -> Offer:
    """The tier's shares applied to `figures` (anything with penalty, compound, interest_on, interest_off)."""
    def part(amount, share):
        return fen(Decimal(amount) * Decimal(share) / HUNDRED)

    return Offer(tier, part(figures.penalty, tier.penalty_share), part(figures.compound, tier.compound_share),
                 part(figures.interest_on, tier.interest_share), part(figures.interest_off, tier.interest_share))


def applies(tier, codes, day: dt.date) -> str:
    """'' if the tier applies to a loan in `codes` on `day`, else why not (Chinese)."""
    if tier.category != ANY_CATEGORY and tier.category not in codes:
        return f"“{tier.name}”档：贷款不属于{category_text(tier.category)}"
    if day > tier.repay_by:
        return f"“{tier.name}”档：期限{cn_date(tier.repay_by)}已过"
    return ""


def choose_tier(tiers, codes, figures, day: dt.date) -> tuple[Offer | None, str]:
    """The single tier that applies (most favourable, then priority, then oldest) and why."""
    codes = set(codes)
    candidates, refusals = [], []
    for tier in tiers:
        why_not = applies(tier, codes, day)
        if why_not:
            refusals.append(why_not)
        else:
            candidates.append(offer(tier, figures))
    if not candidates:
        return None, "无适用档次" + (f"（{'；'.join(refusals)}）" if refusals else "")
    best = min(candidates, key=lambda o: (-o.total, -o.tier.priority, o.tier.pk or 0))
    others = len(candidates) - 1
    reason = f"适用“{best.tier.name}”档" + (f"（另有{others}个档次适用，取对借款人最有利的一档）" if others else "")
    return best, reason
