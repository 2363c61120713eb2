from django.db import models


class ImportKind(models.TextChoices):
    LOANS = "loans", "银行不良贷款清单"
    ROSTER = "roster", "政府名单"
    LOAN_LIST = "loan-list", "冒名及职工贷款清单"
    LITIGATION = "litigation", "涉诉案件"
    REPAYMENTS = "repayments", "还款流水"
    ACTIONS = "actions", "催收台账"


class BatchStatus(models.TextChoices):
    PREVIEW = "preview", "待确认"
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    COMMITTED = "committed", "已导入"
    REFUSED = "refused", "已拒绝（有错误行）"
    CANCELLED = "cancelled", "已取消"
    FAILED = "failed", "失败"


class Reason(models.TextChoices):
    INVALID_ID_NUMBER = "invalid_id_number", "身份证号无效"
    MISSING_FIELD = "missing_field", "缺少必填项"
    INVALID_AMOUNT = "invalid_amount", "金额无效"
    INVALID_DATE = "invalid_date", "日期无效"
    INVALID_VALUE = "invalid_value", "取值无效"
    CONFLICTING_DUPLICATE = "conflicting_duplicate", "重复且内容不一致"
    UNKNOWN_LOAN = "unknown_loan", "借据号不存在"
    UNKNOWN_UNIT = "unknown_unit", "乡镇或网点不存在"
    # Only an upload by a unit-bound user meets it (the command line is district-wide): the loan exists but
    # belongs to another township or branch, and saying 借据号不存在 would send the user after the wrong fix.
    OUT_OF_SCOPE = "out_of_scope", "不在您的范围内"
