from django.db import models


class Direction(models.TextChoices):
    BANK_SUED_BORROWER = "bank_sued_borrower", "银行起诉借款人"
    BORROWER_SUED_BANK = "borrower_sued_bank", "借款人起诉银行"


DIRECTION_ALIASES = {
    "银行起诉借款人": Direction.BANK_SUED_BORROWER,
    "银行起诉本人": Direction.BANK_SUED_BORROWER,
    "银行起诉": Direction.BANK_SUED_BORROWER,
    "借款人起诉银行": Direction.BORROWER_SUED_BANK,
    "本人起诉银行": Direction.BORROWER_SUED_BANK,
    "借款人起诉": Direction.BORROWER_SUED_BANK,
}


class Stage(models.TextChoices):
    FILED = "filed", "已起诉"
    ACCEPTED = "accepted", "已立案"
    TRIAL = "trial", "审理中"
    JUDGED = "judged", "已判决"
    MEDIATED = "mediated", "已调解"
    EFFECTIVE = "effective", "已生效"
    ENFORCEMENT_APPLIED = "enforcement_applied", "已申请执行"
    ENFORCING = "enforcing", "执行中"
    TERMINATED_ROUND = "terminated_round", "终结本次执行"
    RESUMED = "resumed", "恢复执行"
    CLOSED = "closed", "已结案"


class Listing(models.TextChoices):
    """失信被执行人名单: the court's list; the platform records the status, never publishes names."""

    REQUESTED = "requested", "已申请"
    LISTED = "listed", "已纳入"


# Stages reached through a judgment or mediation, and the enforcement round after it.
JUDGMENT_STAGES = (Stage.JUDGED, Stage.MEDIATED, Stage.EFFECTIVE)
ENFORCEMENT_STAGES = (Stage.ENFORCEMENT_APPLIED, Stage.ENFORCING, Stage.TERMINATED_ROUND, Stage.RESUMED)

STAGE_ALIASES = {label: value for value, label in Stage.choices} | {
    "起诉": Stage.FILED,
    "立案": Stage.ACCEPTED,
    "开庭": Stage.TRIAL,
    "判决": Stage.JUDGED,
    "调解": Stage.MEDIATED,
    "生效": Stage.EFFECTIVE,
    "申请执行": Stage.ENFORCEMENT_APPLIED,
    "执行立案": Stage.ENFORCING,
    "终本": Stage.TERMINATED_ROUND,
    "结案": Stage.CLOSED,
}
