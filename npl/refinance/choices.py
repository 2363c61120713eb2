from django.db import models


class Kind(models.TextChoices):
    RENEW = "renew", "借新还旧"
    TRANSFER = "transfer", "转贷"


class Step(models.TextChoices):
    """The steps of a request, in order; the last three end it."""

    REQUESTED = "requested", "乡镇申请"
    RECEIVED = "received", "网点受理"
    DOCUMENTS_COMPLETE = "documents_complete", "资料齐全"
    APPROVED = "approved", "审批通过"
    REFUSED = "refused", "审批未通过"
    DISBURSED = "disbursed", "已放款"
    WITHDRAWN = "withdrawn", "乡镇撤回"


OPEN_STEPS = (Step.REQUESTED, Step.RECEIVED, Step.DOCUMENTS_COMPLETE, Step.APPROVED)
CLOSED_STEPS = (Step.REFUSED, Step.DISBURSED, Step.WITHDRAWN)
# The branch's steps and where each may come from.
BRANCH_STEPS = {
    Step.RECEIVED: (Step.REQUESTED,),
    Step.DOCUMENTS_COMPLETE: (Step.RECEIVED,),
    Step.APPROVED: (Step.DOCUMENTS_COMPLETE,),
    Step.REFUSED: (Step.RECEIVED, Step.DOCUMENTS_COMPLETE),
    Step.DISBURSED: (Step.APPROVED,),
}
# The stretches the timing table measures, each from the step before it.
STRETCHES = (
    (Step.REQUESTED, Step.RECEIVED, "受理"),
    (Step.RECEIVED, Step.DOCUMENTS_COMPLETE, "补齐资料"),
    (Step.DOCUMENTS_COMPLETE, Step.APPROVED, "审批"),
    (Step.APPROVED, Step.DISBURSED, "放款"),
)
