"""Display filters for every template: money in 元 / 万元, history values, durations."""
import datetime as dt
from decimal import Decimal

from django import template

from npl.core.money import fmt_wan, yuan

register = template.Library()


@register.filter
def yuan_fmt(value) -> str:
    """1234567.5 → '1,234,567.50'; empty stays '—'."""
    if value in (None, ""):
        return "—"
    return f"{yuan(value):,.2f}"


@register.filter
def wan_fmt(value) -> str:
    """元 → 万元 with 2 places, half-up."""
    if value in (None, ""):
        return "—"
    return fmt_wan(value)


@register.filter
def history_value(value) -> str:
    """A LoanEvent before/after value as a short line ('—' for nothing)."""
    if value in (None, "", {}, []):
        return "—"
    if isinstance(value, dict):
        return "；".join(f"{k}：{history_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(history_value(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


@register.filter
def minutes(delta) -> int:
    """A timedelta in whole minutes (the lockout page says how long to wait)."""
    if isinstance(delta, dt.timedelta):
        return int(delta.total_seconds() // 60)
    return 0
