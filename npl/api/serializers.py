"""What the API shows: the same fields the pages show, masked the same way; amounts are strings in 元 with 2 places."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from npl.collection.choices import Channel, Method, Outcome, Signature
from npl.collection.models import CollectionAction, PlanInstalment, Repayment, RepaymentPlan
from npl.core.masking import mask_name
from npl.intake.models import ImportBatch
from npl.litigation.models import CaseStage, LitigationCase
from npl.loans.models import Borrower, Loan

MONEY = {"max_digits": 18, "decimal_places": 2, "coerce_to_string": True}


class UnitSerializer(serializers.Serializer):
    """A township, community or branch: id and name."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class BorrowerBriefSerializer(serializers.ModelSerializer):
    """The borrower as the loan ledger shows them: masked name (张*) and masked ID number."""

    name = serializers.CharField(source="masked_name", help_text="姓名（脱敏）")

    class Meta:
        model = Borrower
        fields = ["id", "name", "id_masked"]


class BorrowerSerializer(serializers.ModelSerializer):
    """The borrower page: masked name, ID and phone; addresses only for roles that may unmask; loans in scope."""

    name = serializers.CharField(source="masked_name", help_text="姓名（脱敏）")
    registered_address = serializers.SerializerMethodField(help_text="户籍地址（仅可查看完整信息的角色）")
    actual_address = serializers.SerializerMethodField(help_text="实际居住地（仅可查看完整信息的角色）")
    loans = serializers.SerializerMethodField(help_text="范围内该借款人的借据号")

    class Meta:
        model = Borrower
        fields = ["id", "name", "id_masked", "gender", "birth_date", "phone_masked", "registered_address",
                  "actual_address", "loans"]

    def _may_unmask(self) -> bool:
        user = self.context["request"].user
        return bool(user.may_unmask)

    @extend_schema_field(OpenApiTypes.STR)
    def get_registered_address(self, obj):
        return obj.registered_address if self._may_unmask() else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_actual_address(self, obj):
        return obj.actual_address if self._may_unmask() else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_loans(self, obj):
        scoped = self.context["scoped_loans"]
        return list(scoped.filter(borrower=obj).order_by("loan_no").values_list("loan_no", flat=True))


class LoanSerializer(serializers.ModelSerializer):
    """One row of the loan ledger (贷款台账)."""

    borrower = BorrowerBriefSerializer()
    township = UnitSerializer()
    community = UnitSerializer(allow_null=True)
    branch = UnitSerializer()
    responsible_person = serializers.SerializerMethodField(help_text="责任人")
    amount = serializers.DecimalField(**MONEY)
    principal_balance = serializers.DecimalField(**MONEY)
    interest_on = serializers.DecimalField(**MONEY)
    interest_off = serializers.DecimalField(**MONEY)
    penalty_interest = serializers.DecimalField(**MONEY)
    compound_interest = serializers.DecimalField(**MONEY)
    costs = serializers.DecimalField(**MONEY)

    class Meta:
        model = Loan
        fields = ["loan_no", "contract_no", "borrower", "township", "community", "branch", "amount",
                  "principal_balance", "interest_on", "interest_off", "penalty_interest", "compound_interest", "costs",
                  "issue_date", "maturity_date", "guarantee", "has_mortgage", "classification", "status",
                  "interest_suspended", "snapshot_date", "responsible_person", "version"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_responsible_person(self, obj):
        return str(obj.responsible_person) if obj.responsible_person_id else None


class CategoryBriefSerializer(serializers.Serializer):
    """A category the loan is in on the day asked."""

    code = serializers.CharField()
    name = serializers.CharField()


class LoanDetailSerializer(LoanSerializer):
    """A loan with the categories it is in today."""

    categories = serializers.SerializerMethodField()

    class Meta(LoanSerializer.Meta):
        fields = [*LoanSerializer.Meta.fields, "categories"]

    @extend_schema_field(CategoryBriefSerializer(many=True))
    def get_categories(self, obj):
        return self.context.get("categories", [])


class ActionSerializer(serializers.ModelSerializer):
    """催收记录."""

    loan_no = serializers.CharField(source="loan.loan_no", read_only=True)
    promise_amount = serializers.DecimalField(allow_null=True, **MONEY)

    class Meta:
        model = CollectionAction
        fields = ["id", "loan_no", "acted_on", "method", "signature", "outcome_code", "outcome", "collector_name",
                  "promise_date", "promise_amount", "promise_status", "next_follow_up", "note", "created_at"]


class ActionInputSerializer(serializers.Serializer):
    """What a collector records (collection.services.record_action checks the rest)."""

    acted_on = serializers.DateField(help_text="催收日期")
    method = serializers.ChoiceField(choices=Method.choices, help_text="催收方式")
    outcome_code = serializers.ChoiceField(choices=Outcome.choices, help_text="接触结果")
    signature = serializers.ChoiceField(choices=Signature.choices, required=False, allow_blank=True, default="",
                                        help_text="签收情况")
    promise_amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True,
                                              min_value=0, help_text="承诺还款金额（元）")
    promise_date = serializers.DateField(required=False, allow_null=True, help_text="承诺还款日期")
    next_follow_up = serializers.DateField(required=False, allow_null=True, help_text="下次跟进日期")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, help_text="备注")


class RepaymentSerializer(serializers.ModelSerializer):
    """还款记录 with its review state (maker-checker)."""

    loan_no = serializers.CharField(source="loan.loan_no", read_only=True)
    principal = serializers.DecimalField(**MONEY)
    interest = serializers.DecimalField(**MONEY)
    costs = serializers.DecimalField(**MONEY)
    amount = serializers.DecimalField(allow_null=True, **MONEY)
    review_status = serializers.CharField(read_only=True, help_text="pending / confirmed / refused")

    class Meta:
        model = Repayment
        fields = ["id", "txn_no", "loan_no", "paid_on", "amount", "principal", "interest", "costs", "channel",
                  "confirmed", "review_status", "refusal_reason", "note", "created_at", "confirmed_at"]


class RepaymentInputSerializer(serializers.Serializer):
    """现场还款: the amount received; the branch confirms it and the split is fixed then."""

    paid_on = serializers.DateField(help_text="还款日期")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, help_text="实收金额（元）")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.CASH, help_text="还款方式")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    new_loan_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=50,
                                        help_text="借新还旧时的新借据号")


class ReviewInputSerializer(serializers.Serializer):
    """The branch's decision on a field repayment."""

    confirm = serializers.BooleanField(help_text="true 确认，false 退回")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300, help_text="退回原因")


class InstalmentSerializer(serializers.ModelSerializer):
    """One instalment of a plan."""

    amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = PlanInstalment
        fields = ["seq", "due_on", "amount", "status", "paid_on", "missed_on"]


class PlanSerializer(serializers.ModelSerializer):
    """一笔一策: a plan with its instalments."""

    loan_no = serializers.CharField(source="loan.loan_no", read_only=True)
    instalments = InstalmentSerializer(many=True, read_only=True)

    class Meta:
        model = RepaymentPlan
        fields = ["id", "loan_no", "status", "measures", "signed_on", "submitted_at", "decided_at", "decision_note",
                  "broken_on", "completed_on", "instalments"]


class InstalmentInputSerializer(serializers.Serializer):
    due_on = serializers.DateField(help_text="应还日期")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, help_text="应还金额（元）")


class PlanInputSerializer(serializers.Serializer):
    """A plan the borrower signed (collection.services.submit_plan checks dates, totals and people)."""

    signed_on = serializers.DateField(help_text="借款人签字日期")
    measures = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000, help_text="清收措施")
    instalments = InstalmentInputSerializer(many=True, help_text="各期应还日期和金额")


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseStage
        fields = ["stage", "on", "note"]


class CaseSerializer(serializers.ModelSerializer):
    """涉诉案件 with its dated stages."""

    loan_no = serializers.CharField(source="loan.loan_no", read_only=True)
    borrower_name = serializers.SerializerMethodField(help_text="借款人（脱敏）")
    judgment_amount = serializers.DecimalField(allow_null=True, **MONEY)
    enforcement_recovered = serializers.DecimalField(**MONEY)
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = LitigationCase
        fields = ["id", "loan_no", "borrower_name", "direction", "case_no", "court", "filed_on", "accepted_on",
                  "judgment_on", "performance_due", "enforcement_case_no", "enforcement_filed_on", "stage",
                  "judgment_amount", "enforcement_recovered", "dishonest_listing", "counted_from", "version", "stages"]

    def get_borrower_name(self, obj) -> str:
        return mask_name(obj.loan.borrower.name)


class BatchSerializer(serializers.ModelSerializer):
    """An import batch: its state and, once run, the same report `npl import … --json` prints."""

    report = serializers.JSONField(read_only=True, help_text="与 npl import … --json 相同的导入报告")

    class Meta:
        model = ImportBatch
        fields = ["id", "kind", "sub_kind", "file_name", "status", "dry_run", "as_of", "rows_read", "created",
                  "updated", "unchanged", "refused", "duplicates", "error", "report"]
