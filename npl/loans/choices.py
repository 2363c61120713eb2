from django.db import models


class LoanStatus(models.TextChoices):
    REGISTERED = "registered", "已登记"
    IN_COLLECTION = "in_collection", "清收中"
    PLAN_AGREED = "plan_agreed", "已定还款计划"
    PARTLY_REPAID = "partly_repaid", "部分还款"
    SETTLED = "settled", "已结清"
    WRITTEN_OFF = "written_off", "已核销（账销案存）"


class Classification(models.TextChoices):
    NORMAL = "normal", "正常"
    SPECIAL_MENTION = "special_mention", "关注"
    SUBSTANDARD = "substandard", "次级"
    DOUBTFUL = "doubtful", "可疑"
    LOSS = "loss", "损失"


CLASSIFICATION_ALIASES = {
    "正常": Classification.NORMAL,
    "关注": Classification.SPECIAL_MENTION,
    "次级": Classification.SUBSTANDARD,
    "可疑": Classification.DOUBTFUL,
    "损失": Classification.LOSS,
}


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class EventKind(models.TextChoices):
    CREATED = "created", "登记"
    FIELD_CHANGED = "field_changed", "信息变更"
    SNAPSHOT = "snapshot", "银行余额快照"
    STATUS_CHANGED = "status_changed", "状态变更"
    ASSIGNED = "assigned", "分配责任人"
    REPAYMENT = "repayment", "还款"
    ACTION = "action", "催收"
    LITIGATION = "litigation", "诉讼"
    CATEGORY = "category", "分类变动"
    PLAN = "plan", "还款计划"
    REDUCTION = "reduction", "任务核减"
    WAIVER = "waiver", "减免"
    REFINANCE = "refinance", "借新还旧/转贷"
    NOTE = "note", "备注"
