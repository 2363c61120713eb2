"""Generating documents (every one logged) and replacing their Word templates.

`generate` is the one way a document is made: web pages, batches and the `npl doc` command all call it.
"""
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from npl.accounts.choices import Role
from npl.documents import content, render
from npl.documents.choices import (
    CONTENT_TYPES,
    MAY_BATCH,
    MAY_GENERATE,
    MAY_REPLACE_TEMPLATES,
    NOTICE_PAY_WITHIN_DAYS,
    Format,
    Kind,
    Via,
)
from npl.documents.default_templates import default_path
from npl.documents.models import DocumentTemplate, GeneratedDocument
from npl.loans.balances import BALANCE, with_balance
from npl.loans.models import Loan
from npl.org.models import Bank, District
from npl.waivers.payoff import PayoffError, compute_payoffs

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
SAMPLE_NAME = "样例人"  # the borrower of content.sample_context: an uploaded template must show it


class OutOfScope(ObjectDoesNotExist):
    """A loan the person may not reach: shown as 'not found' (404), never as 'forbidden'."""


@dataclass(frozen=True)
class Generated:
    """A generated file, ready to send or save, with its log row."""

    content: bytes
    file_name: str
    content_type: str
    record: GeneratedDocument


def _is(user, roles) -> bool:
    return user is not None and user.is_authenticated and (user.is_superuser or user.role in roles)


def may_generate(user) -> bool:
    return _is(user, MAY_GENERATE)


def may_batch(user) -> bool:
    return _is(user, MAY_BATCH)


def may_replace_templates(user) -> bool:
    return _is(user, MAY_REPLACE_TEMPLATES)


def reachable_loans(user):
    """Loans a person may print for; the command line (user None) works for the whole district."""
    return Loan.objects.all() if user is None else Loan.objects.for_user(user)


def active_template(kind: str) -> tuple[bytes, DocumentTemplate | None]:
    """The Word template in use for `kind`: the district's active upload, else the shipped default (None)."""
    tpl = DocumentTemplate.objects.filter(kind=kind, active=True).first()
    if tpl is None:
        return default_path(kind).read_bytes(), None
    with tpl.file.open("rb") as fh:
        return fh.read(), tpl


def _file_name(kind: Kind, label: str, as_of: dt.date, fmt: Format) -> str:
    safe = "".join(ch for ch in label if ch not in '\\/:*?"<>|').replace(" ", "")
    return f"{kind.label}_{safe}_{as_of:%Y%m%d}.{fmt.value}"


def _payoffs(rows: list, as_of: dt.date) -> dict:
    """Every loan's figures on `as_of` from the one calculator (in bulk), so every document of that day states the same debt."""
    try:
        return compute_payoffs(rows, as_of)
    except PayoffError as exc:
        raise ValidationError(str(exc)) from exc


def _contexts(kind: Kind, rows: list, as_of: dt.date, pay_by: dt.date, scope: str) -> list[dict]:
    if kind == Kind.AGREEMENT:
        plans = _active_plans(rows)
        for loan in rows:
            if loan.pk not in plans:
                raise content.NoPlan(
                    f"借据 {loan.loan_no} 没有正在执行或待审批的还款计划，无法生成还款协议书（请先在处置页登记还款计划）"
                )
    payoffs = _payoffs(rows, as_of)
    if kind == Kind.PUBLIC_NOTICE:
        pairs = [(loan, payoffs[loan.pk]) for loan in rows]
        # The bank that posts the notice: the loans' own (one bank per district or city), else the installation's.
        banks = {loan.branch.bank.name for loan in rows}
        return [content.public_notice_context(pairs, as_of, scope, banks.pop() if len(banks) == 1 else Bank.current().name)]
    # Each document names its loan's own district (read once for the batch), never the installation's first.
    names = dict(District.objects.values_list("pk", "name"))
    if kind == Kind.NOTICE:
        return [content.notice_context(loan, as_of, pay_by, payoffs[loan.pk], district=names.get(loan.township.district_id, ""))
                for loan in rows]
    if kind == Kind.AGREEMENT:
        return [content.agreement_context(loan, as_of, payoffs[loan.pk], plan=plans[loan.pk],
                                          district=names.get(loan.township.district_id, "")) for loan in rows]
    return [content.plain_sheet_context(loan, as_of, payoffs[loan.pk], district=names.get(loan.township.district_id, ""))
            for loan in rows]


def _active_plans(rows) -> dict:
    """loan pk → its active plan with instalments, in one query for a whole batch."""
    from npl.collection.choices import ACTIVE_PLAN_STATUSES
    from npl.collection.models import RepaymentPlan

    plans = RepaymentPlan.objects.filter(
        loan_id__in=[loan.pk for loan in rows], status__in=[s.value for s in ACTIVE_PLAN_STATUSES]
    ).prefetch_related("instalments")
    return {plan.loan_id: plan for plan in plans}


def generate(
    kind: str,
    loans,
    fmt: str,
    user,
    *,
    as_of: dt.date | None = None,
    pay_by: dt.date | None = None,
    scope: str = "",
    via: str = Via.WEB,
    before_render=None,
) -> Generated:
    """Make one file of `kind` for `loans` (one page each; one list for the public notice) and log who, what, when.

    Preconditions: a role that prints documents; every loan within the person's scope (else OutOfScope, a
    404); a loan with a balance on `as_of`; an active plan for an agreement (else content.NoPlan).
    `before_render()`, if given, is called once the figures are ready and the file is about to be made
    (a background batch shows it as its progress).
    """
    kind, fmt = Kind(kind), Format(fmt)
    if user is not None and not may_generate(user):
        raise PermissionDenied("您的角色不能生成催收文书")
    as_of = as_of or timezone.localdate()
    pay_by = pay_by or as_of + dt.timedelta(days=NOTICE_PAY_WITHIN_DAYS)
    if pay_by < as_of:
        raise ValidationError("限期还款日不能早于文书日期")
    wanted = [loan.pk if isinstance(loan, Loan) else loan for loan in loans]
    if not wanted:
        raise ValidationError("所选范围内没有贷款，未生成文书")
    qs = with_balance(reachable_loans(user).filter(pk__in=wanted), as_of).select_related(
        "borrower", "township", "community", "branch__bank", "responsible_person", "responsible_leader"
    )
    rows = sorted(qs, key=lambda loan: (loan.township.name, loan.loan_no))
    if len(rows) != len(set(wanted)):
        raise OutOfScope("贷款不存在或不在您的管辖范围内")
    for loan in rows:
        if loan.balance is None:
            raise ValidationError(f"借据 {loan.loan_no} 在 {as_of:%Y-%m-%d} 尚无银行余额数据，请选择更晚的日期")
    if not scope:
        scope = rows[0].loan_no if len(rows) == 1 else f"{len(rows)}笔"
    contexts = _contexts(kind, rows, as_of, pay_by, scope)
    if before_render is not None:
        before_render()
    template = None
    if fmt == Format.DOCX:
        data, template = active_template(kind)
        payload = render.docx_many(data, contexts)
    else:
        payload = render.pdf(kind, contexts, title=f"{kind.label} {scope}")
    name = _file_name(kind, scope, as_of, fmt)
    with transaction.atomic():
        record = GeneratedDocument.objects.create(
            kind=kind, fmt=fmt, user=user, via=via, as_of=as_of, scope=scope[:200], loan_count=len(rows),
            file_name=name[:200], template=template, full_names=True,
        )
        record.loans.set(rows)
    return Generated(payload, name, CONTENT_TYPES[fmt], record)


def batch_loans(user, kind: str, day: dt.date, *, township=None, category: str | None = None):
    """The loans of a batch: in scope, of a township and/or a category on `day`, with a balance that day.

    A public notice lists lost-contact loans only; an agreement batch takes the loans that have a plan.
    """
    from npl.categories.engine import loans_in

    if not may_batch(user) and user is not None:
        raise PermissionDenied("批量打印由乡镇管理员或区金融办办理")
    qs = reachable_loans(user)
    if township is not None:
        qs = qs.filter(township=township)
    if kind == Kind.PUBLIC_NOTICE:
        category = "lost_contact"  # 公告催收 is for borrowers whose whereabouts are unknown
    if category:
        qs = loans_in(category, day, qs)
    else:
        qs = with_balance(qs, day).filter(**{f"{BALANCE}__gt": 0})
    if kind == Kind.AGREEMENT:
        qs = qs.filter(pk__in=_plan_loan_ids())
    return qs.order_by("township__name", "loan_no")


def batch_scope(kind: str, township=None, category: str | None = None) -> str:
    """How a batch is named in its file name and in the log: '柳溪镇·借款人无法联系', '全区'."""
    from npl.categories.choices import NAMES

    if kind == Kind.PUBLIC_NOTICE:
        category = None  # the kind already says lost contact
    parts = [township.name if township is not None else "全区"]
    if category:
        parts.append(NAMES[category])
    return "·".join(parts)


def _plan_loan_ids():
    from npl.collection.choices import ACTIVE_PLAN_STATUSES
    from npl.collection.models import RepaymentPlan

    return RepaymentPlan.objects.filter(status__in=[s.value for s in ACTIVE_PLAN_STATUSES]).values("loan_id")


def upload_template(kind: str, upload, user, note: str = "") -> DocumentTemplate:
    """The district admin replaces a Word template: checked against a sample first, then the new active version."""
    kind = Kind(kind)
    if not may_replace_templates(user):
        raise PermissionDenied("只有区金融办可以更换文书模板")
    data = upload.read()
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ValidationError("模板文件超过 5 MB，请删除其中的图片后再上传")
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".docx"):
        raise ValidationError(f"“{name}”不是 .docx 文件：请在 Word 或 WPS 中“另存为 Word 文档（*.docx）”后上传")
    render.check_template(data, content.sample_context(kind), SAMPLE_NAME)
    with transaction.atomic():
        current = DocumentTemplate.objects.select_for_update().filter(kind=kind)
        version = (current.aggregate(v=Max("version"))["v"] or 0) + 1
        current.filter(active=True).update(active=False)
        tpl = DocumentTemplate(kind=kind, version=version, original_name=name[:200], note=note[:300], active=True, uploaded_by=user)
        tpl.file.save(f"{kind.value}_v{version}.docx", ContentFile(data), save=False)
        tpl.save()
    return tpl


def activate_template(kind: str, version: int | None, user) -> DocumentTemplate | None:
    """Put an earlier upload back in use, or (version None) return to the shipped default."""
    kind = Kind(kind)
    if not may_replace_templates(user):
        raise PermissionDenied("只有区金融办可以更换文书模板")
    with transaction.atomic():
        rows = DocumentTemplate.objects.select_for_update().filter(kind=kind)
        chosen = None
        if version is not None:
            chosen = rows.filter(version=version).first()
            if chosen is None:
                raise ValidationError(f"{kind.label}没有第{version}版模板")
        rows.filter(active=True).update(active=False)
        if chosen is not None:
            chosen.active = True
            chosen.save(update_fields=["active"])
    return chosen


def log_for(user):
    """The generation log a person may read: the district sees all of it, others what they generated."""
    qs = GeneratedDocument.objects.select_related("user")
    if user.is_superuser or user.role in (Role.DISTRICT_ADMIN, Role.DISTRICT_LEADER):
        return qs
    return qs.filter(user=user)
