"""The kinds of documents, their formats, and who may print them."""
from django.db import models

from npl.accounts.choices import Role


class Kind(models.TextChoices):
    PLAIN_SHEET = "plain_sheet", "明白纸"
    NOTICE = "notice", "催收通知书"
    AGREEMENT = "agreement", "还款协议书"
    PUBLIC_NOTICE = "public_notice", "公告催收名单"


class Format(models.TextChoices):
    DOCX = "docx", "Word"
    PDF = "pdf", "PDF"


class Via(models.TextChoices):
    WEB = "web", "网页"
    CLI = "cli", "命令行"


# One document per loan; the public notice is one list for many loans.
PER_LOAN = (Kind.PLAIN_SHEET, Kind.NOTICE, Kind.AGREEMENT)
# The command line spells kinds with hyphens: `npl doc plain-sheet LA001 --out x.pdf`.
CLI_KINDS = {k.value.replace("_", "-"): k for k in Kind}
CONTENT_TYPES = {
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Format.PDF: "application/pdf",
}
# Collectors for their loans, the township, the branch and the district office print (scope still decides which loans).
MAY_GENERATE = {Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN, Role.COLLECTOR, Role.BRANCH_STAFF}
# A batch (a township or a category in one file) is the offices' job, not a collector's.
MAY_BATCH = {Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN}
# The district office alone replaces the Word templates.
MAY_REPLACE_TEMPLATES = {Role.DISTRICT_ADMIN}
# Days the collection notice gives the borrower to pay, unless the person printing picks another date.
NOTICE_PAY_WITHIN_DAYS = 30
