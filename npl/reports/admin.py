"""Admin: the laggard rule officials tune (editable); snapshots and published bulletins are evidence (read-only)."""
from django.contrib import admin

from npl.core.admin import ReadOnlyAdmin
from npl.reports.models import Bulletin, DailyFigure, LaggardRule


@admin.register(LaggardRule)
class LaggardRuleAdmin(admin.ModelAdmin):
    """落后单位认定规则: a new row with a later 生效日期 replaces the rule from that day; history stays."""

    list_display = ("valid_from", "bottom_n", "margin_points", "note")


@admin.register(DailyFigure)
class DailyFigureAdmin(ReadOnlyAdmin):
    """每日快照: written once by `npl bulletin snapshot`, never edited."""

    list_display = ("day", "campaign", "township", "task_amount", "collected_amount", "actions_today", "clocks_at_risk", "backfilled")
    list_filter = ("campaign", "township")
    date_hierarchy = "day"


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    """Published bulletins: frozen."""

    list_display = ("label", "kind", "campaign", "published_by", "published_at")
    list_filter = ("kind", "campaign")
    exclude = ("docx", "xlsx")
