"""The fixed vocabularies of advice: action codes, the facts a rule may name, the operators, suggestion states."""
from django.db import models


class ActionCode(models.TextChoices):
    """What a suggestion asks for (issue #7: a fixed vocabulary; rules pick one, code never invents one)."""

    SERVE_NOTICE = "serve_notice", "送达催收通知书（取得签收）"
    NEWSPAPER_NOTICE = "newspaper_notice", "登报公告催收"
    POLICE_VERIFICATION = "police_verification", "提请公安核查下落"
    FILE_LAWSUIT = "file_lawsuit", "提起诉讼"
    APPLY_ENFORCEMENT = "apply_enforcement", "申请强制执行"
    RESUME_ENFORCEMENT = "resume_enforcement", "申请恢复执行"
    REQUEST_DISHONEST_LISTING = "request_dishonest_listing", "申请纳入失信被执行人名单"
    SUSPEND_INTEREST = "suspend_interest", "办理停息挂账"
    COLLECT_FROM_HEIRS = "collect_from_heirs", "向继承人清收"
    OFFER_WAIVER = "offer_waiver", "按政策减免罚息利息"
    REQUEST_REDUCTION = "request_reduction", "申请核减任务"
    DISCIPLINE_REFERRAL = "discipline_referral", "移送纪委监委谈话"
    HAND_OVER_RESIDENCE = "hand_over_residence", "移交实际居住地乡镇"
    TASK_FORCE = "task_force", "提请区专班攻坚"
    FOLLOW_UP_PROMISE = "follow_up_promise", "跟进违约承诺"
    FOLLOW_UP_PLAN = "follow_up_plan", "跟进还款计划逾期"
    VISIT = "visit", "上门走访"


class Status(models.TextChoices):
    OPEN = "open", "待处理"
    DONE = "done", "已完成"
    DISMISSED = "dismissed", "不采纳"


# Fact kinds decide which operators and values a predicate may use (validated before a rule is saved).
SET, INT, MONEY, BOOL, DATE, TEXT = "set", "int", "money", "bool", "date", "text"

# name → (kind, Chinese label, allowed values for TEXT facts or None)
FACTS: dict[str, tuple[str, str, tuple | None]] = {
    "categories": (SET, "所属类别", None),
    "loan_status": (TEXT, "贷款状态", ("registered", "in_collection", "plan_agreed", "partly_repaid", "settled", "written_off")),
    "balance": (MONEY, "本金余额", None),
    "interest_owed": (MONEY, "欠息合计", None),
    "has_mortgage": (BOOL, "含抵押担保", None),
    "guarantor_count": (INT, "在保保证人数", None),
    "interest_suspended": (BOOL, "已停息挂账", None),
    "registered_on": (DATE, "登记日期", None),
    "limitation_status": (TEXT, "诉讼时效状态", ("ok", "due_6m", "due_3m", "due_1m", "lapsed", "suspended_by_suit")),
    "limitation_deadline": (DATE, "诉讼时效届满日", None),
    "days_to_limitation": (INT, "距诉讼时效届满天数", None),
    "limitation_review": (BOOL, "时效需法务复核（复活或届满后起诉）", None),
    "enforcement_status": (TEXT, "申请执行期限状态", ("ok", "due_6m", "due_3m", "due_1m", "lapsed")),
    "enforcement_deadline": (DATE, "申请执行期限届满日", None),
    "days_to_enforcement": (INT, "距申请执行期限届满天数", None),
    "guarantee_status": (TEXT, "保证期间状态", ("ok", "due_6m", "due_3m", "due_1m", "lapsed")),
    "guarantee_deadline": (DATE, "保证期间届满日", None),
    "days_to_guarantee_end": (INT, "距保证期间届满天数", None),
    "release_date": (DATE, "刑满释放日期", None),
    "days_to_release": (INT, "距刑满释放天数", None),
    "last_action_on": (DATE, "最近催收日期", None),
    "last_touch_on": (DATE, "最近催收日期（无催收时为登记日期）", None),
    "days_since_last_action": (INT, "距最近催收天数", None),
    "promise_broken": (BOOL, "承诺还款已违约", None),
    "promise_broken_on": (DATE, "承诺违约日期", None),
    "instalment_missed": (BOOL, "还款计划分期逾期", None),
    "instalment_missed_on": (DATE, "分期逾期日期", None),
    "litigation_stage": (
        TEXT,
        "银行起诉案件阶段",
        ("filed", "accepted", "trial", "judged", "mediated", "effective", "enforcement_applied", "enforcing",
         "terminated_round", "resumed", "closed"),
    ),
    "litigation_stage_on": (DATE, "进入该阶段日期", None),
    "days_in_stage": (INT, "处于该阶段天数", None),
    "judgment_on": (DATE, "判决/调解日期", None),
    "judgment_unenforced": (BOOL, "已判决未申请执行", None),
    "terminated_on": (DATE, "终结本次执行日期", None),
    "dishonest_listing": (TEXT, "失信名单状态", ("", "requested", "listed")),
    "repaid_principal": (MONEY, "累计归还本金", None),
    "last_repayment_on": (DATE, "最近还款日期", None),
    "days_since_last_repayment": (INT, "距最近还款天数", None),
}
# Date facts a rule's due may count from; `since_<category>` is the day the loan's source put it in.
SINCE_PREFIX = "since_"

OPS = {
    "==": "等于",
    "!=": "不等于",
    ">": "大于",
    ">=": "大于等于",
    "<": "小于",
    "<=": "小于等于",
    "in": "属于",
    "has": "包含",
    "lacks": "不包含",
    "has_any": "包含任一",
    "is_set": "已登记",
}
OPS_BY_KIND = {
    SET: {"has", "lacks", "has_any"},
    INT: {"==", "!=", ">", ">=", "<", "<=", "is_set"},
    MONEY: {"==", "!=", ">", ">=", "<", "<=", "is_set"},
    DATE: {"is_set"},
    BOOL: {"=="},
    TEXT: {"==", "!=", "in", "is_set"},
}
