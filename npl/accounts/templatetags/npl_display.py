"""Display filters for every template: money in 元 / 万元, durations (history values: loans.history)."""
import datetime as dt

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
def minutes(delta) -> int:
    """A timedelta in whole minutes (the lockout page says how long to wait)."""
    if isinstance(delta, dt.timedelta):
        return int(delta.total_seconds() // 60)
    return 0
