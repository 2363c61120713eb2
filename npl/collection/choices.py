from django.db import models


class Channel(models.TextChoices):
    CASH = "cash", "现金/转账"
    REFINANCE = "refinance", "借新还旧/转贷"
    COURT = "court", "法院执行"
    COLLATERAL = "collateral", "抵押物处置"
    OTHER = "other", "其他"


CHANNEL_ALIASES = {
    "现金": Channel.CASH,
    "转账": Channel.CASH,
    "现金/转账": Channel.CASH,
    "借新还旧": Channel.REFINANCE,
    "转贷": Channel.REFINANCE,
    "法院执行": Channel.COURT,
    "抵押物处置": Channel.COLLATERAL,
    "以物抵债": Channel.COLLATERAL,
    "其他": Channel.OTHER,
}


class Method(models.TextChoices):
    VISIT = "visit", "上门催收"
    PHONE = "phone", "电话催收"
    SMS = "sms", "短信催收"
    LETTER = "letter", "信函催收"
    LAWYER = "lawyer", "律师函"
    NEWSPAPER = "newspaper", "登报公告"
    OTHER = "other", "其他"


METHOD_ALIASES = {label: value for value, label in Method.choices}


class Signature(models.TextChoices):
    BORROWER = "borrower", "借款人签收"
    RELATIVE = "relative", "家属签收"
    UNSIGNED = "unsigned", "未签收"
    REFUSED = "refused", "拒签"


SIGNATURE_ALIASES = {label: value for value, label in Signature.choices}


class Outcome(models.TextChoices):
    """催收结果: the fixed code list a collector picks from (free text goes in the note)."""

    MET_BORROWER = "met_borrower", "本人接触"
    MET_FAMILY = "met_family", "家属接触"
    NO_ONE = "no_one", "无人/未接通"
    REFUSED_TALK = "refused_talk", "拒绝沟通"
    LOST_CONTACT = "lost_contact", "失联"
    PROMISED = "promised", "承诺还款"
    REPAID = "repaid", "已还款"
    HARDSHIP = "hardship", "确无还款能力"
    DISPUTE = "dispute", "对债务有异议"
    OTHER = "other", "其他"


class PromiseStatus(models.TextChoices):
    OPEN = "open", "待履行"
    KEPT = "kept", "已履行"
    BROKEN = "broken", "已违约"


class AllocationOrder(models.TextChoices):
    """How a repayment is split when it does not cover everything owed (民法典 art. 561 unless agreed)."""

    COSTS_INTEREST_PRINCIPAL = "costs_interest_principal", "费用→利息→本金（民法典第561条，默认）"
    PRINCIPAL_INTEREST_COSTS = "principal_interest_costs", "本金→利息→费用（合同约定）"
    INTEREST_PRINCIPAL_COSTS = "interest_principal_costs", "利息→本金→费用（合同约定）"


ALLOCATION_PARTS = {
    AllocationOrder.COSTS_INTEREST_PRINCIPAL: ("costs", "interest", "principal"),
    AllocationOrder.PRINCIPAL_INTEREST_COSTS: ("principal", "interest", "costs"),
    AllocationOrder.INTEREST_PRINCIPAL_COSTS: ("interest", "principal", "costs"),
}


class ReviewStatus(models.TextChoices):
    """A field-recorded repayment awaits the branch (maker-checker); imported ones arrive confirmed."""

    PENDING = "pending", "待网点确认"
    CONFIRMED = "confirmed", "已确认"
    REFUSED = "refused", "已退回"


class PlanStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审批"
    APPROVED = "approved", "执行中"
    REFUSED = "refused", "已驳回"
    BROKEN = "broken", "已违约"
    COMPLETED = "completed", "已履行完毕"


ACTIVE_PLAN_STATUSES = (PlanStatus.SUBMITTED, PlanStatus.APPROVED)


class InstalmentStatus(models.TextChoices):
    DUE = "due", "未到期"
    PAID = "paid", "已还"
    MISSED = "missed", "逾期未还"


class DemandEvidence(models.TextChoices):
    """How a demand on a guarantor (要求承担保证责任) is proved; a demand nobody can prove is not recorded."""

    SIGNED_RECEIPT = "signed_receipt", "保证人签收的通知书（回执）"
    POSTAL = "postal", "邮寄送达（妥投记录）"
    NOTARIZED = "notarized", "公证送达"


class DemandBy(models.TextChoices):
    """Who made the demand: the bank, or a collector on its behalf (then only with the guarantor's signed receipt)."""

    BANK = "bank", "农合行"
    COLLECTOR = "collector", "催收人员（代表银行）"
