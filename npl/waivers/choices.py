"""Codes of the waiver ruler: how a condition is met, where a request stands, who may approve."""
from django.db import models

from npl.accounts.choices import Role

# A tier with no category applies to any loan (the general tier: principal repaid in full by a date).
ANY_CATEGORY = ""
# The markup of penalty interest over the contract rate, read from core.Setting with this default (罚息上浮).
PENALTY_MARKUP_KEY = "penalty_markup_percent"
PENALTY_MARKUP_DEFAULT = "50"
# Loans classified as non-performing are non-accrual: newly accrued contract interest is booked off the balance
# sheet (表外), the rest on it (表内).
NON_ACCRUAL = {"substandard", "doubtful", "loss"}


class RepayMode(models.TextChoices):
    LUMP_SUM = "lump_sum", "一次性归还"
    INSTALMENTS = "instalments", "分期归还"


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审批"
    APPROVED = "approved", "已批准，待还款"  # 先还后免: nothing is waived yet
    REFUSED = "refused", "已退回"
    APPLIED = "applied", "已生效（已减免）"
    VOIDED = "voided", "已作废（利息恢复）"


OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.APPROVED)
MAKERS = {Role.COLLECTOR, Role.TOWNSHIP_ADMIN}
CHECKERS = {Role.BRANCH_STAFF, Role.DISTRICT_ADMIN}
