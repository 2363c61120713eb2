"""The shapes of the report answers (INTAKE.md's JSON, the same dicts the command line prints), for the OpenAPI description."""
from rest_framework import serializers


class ScopedReport(serializers.Serializer):
    """What every report answer carries: the scope it covers and the day it is as of."""

    scope = serializers.CharField(help_text="统计口径（全区或乡镇）")
    as_of = serializers.DateField(help_text="统计日期")


class CategoryRowBase(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="笔数")
    households = serializers.IntegerField(required=False, help_text="户数")
    amount = serializers.CharField(help_text="本金余额（元，两位小数）")
    amount_wan = serializers.CharField(help_text="本金余额（万元，两位小数）")


class CategoryRow(CategoryRowBase):
    subcategories = CategoryRowBase(many=True, required=False)


class CategoryReportSerializer(ScopedReport):
    """npl.categories.reports.category_report."""

    categories = CategoryRow(many=True)


class CampaignSerializer(serializers.Serializer):
    """A campaign (清收行动)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    baseline = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    township = serializers.CharField(source="township.name", allow_null=True, default=None)


class ChannelSerializer(serializers.Serializer):
    cash = serializers.CharField()
    refinance = serializers.CharField()
    court = serializers.CharField()
    collateral = serializers.CharField()
    other = serializers.CharField()


class CampaignSummarySerializer(ScopedReport):
    """npl.campaigns.figures.summary: amounts in 元 as strings, the recovery rate in percent."""

    campaign = serializers.CharField()
    task_count = serializers.IntegerField()
    task_amount = serializers.CharField()
    collected_count = serializers.IntegerField()
    collected_amount = serializers.CharField()
    remaining_amount = serializers.CharField()
    interest_collected = serializers.CharField()
    recovery_rate = serializers.CharField()
    collected_by_channel = ChannelSerializer()


class ClockRowSerializer(serializers.Serializer):
    """One loan of `npl report clocks --json`."""

    loan_no = serializers.CharField()
    limitation_deadline = serializers.DateField(allow_null=True)
    limitation_basis = serializers.CharField(allow_null=True)
    limitation_status = serializers.CharField(allow_null=True)
    enforcement_deadline = serializers.DateField(allow_null=True)
    # 民法典 art. 203 (docs/legal-clocks.md): the deadlines above are the last days moved past rest days
    limitation_nominal_deadline = serializers.DateField(allow_null=True, help_text="名义届满日（顺延前）")
    limitation_deadline_reason = serializers.CharField(allow_null=True, help_text="顺延理由，如“因国庆节假期顺延至10月8日”")
    limitation_schedule_missing = serializers.BooleanField(help_text="届满日所在年度节假日安排未录入，仅按周末顺延")
    enforcement_nominal_deadline = serializers.DateField(allow_null=True, help_text="申请执行期限名义届满日")
    enforcement_deadline_reason = serializers.CharField(allow_null=True, help_text="申请执行期限顺延理由")
    enforcement_schedule_missing = serializers.BooleanField(help_text="申请执行期限所在年度节假日安排未录入")
    enforcement_status = serializers.CharField(allow_null=True, help_text="申请执行期限状态")


class ClocksReportSerializer(ScopedReport):
    """npl.collection.clocks.gather.clocks_report."""

    loans = ClockRowSerializer(many=True)


class SuggestionSerializer(serializers.Serializer):
    """One open suggestion (npl.advice): what to do on a loan, by when, and why."""

    loan_no = serializers.CharField()
    action = serializers.CharField(help_text="建议动作代码")
    action_label = serializers.CharField(help_text="建议动作")
    rule = serializers.CharField(help_text="规则代码")
    rule_name = serializers.CharField()
    text = serializers.CharField()
    why = serializers.CharField(help_text="理由（含依据的事实和起算日期）")
    due = serializers.DateField(help_text="最迟办理日期")
    priority = serializers.IntegerField()
    legal_basis = serializers.CharField(allow_blank=True)


class SuggestionsSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    suggestions = SuggestionSerializer(many=True)
