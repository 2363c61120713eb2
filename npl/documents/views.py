"""Documents pages: a loan's documents (下载 Word / 下载 PDF), batches, the Word templates, the generation log.

Loans are fetched through Loan.objects.for_user (out of scope: 404); every file comes from services.generate,
which writes the log. A batch of more loans than the background threshold is made by the worker
(documents.tasks); the batch page then shows its progress and the download to the person who asked
(`?job=<id>`), and nobody else.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from npl.documents import services, tasks
from npl.documents.choices import CONTENT_TYPES, PER_LOAN, Format, Kind
from npl.documents.content import active_plan
from npl.documents.default_templates import default_path
from npl.documents.fonts import CjkFontMissing
from npl.documents.forms import BatchForm, DatesForm, TemplateUploadForm
from npl.documents.models import DocumentTemplate, GeneratedDocument
from npl.loans.models import Loan
from npl.org.models import Township

WHAT_FOR = {
    Kind.PLAIN_SHEET: "向借款人说明欠款、适用的减免政策和应还金额（一把尺子）",
    Kind.NOTICE: "送达借款人并由本人或家属在回执上签收：签收的回执中断诉讼时效",
    Kind.AGREEMENT: "按一笔一策还款计划签订，借款人签字即确认债务",
}


def _download(made) -> HttpResponse:
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.file_name)
    return response


def _refusal(exc) -> str:
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@login_required
def loan_documents(request, loan_no):
    """The documents of one loan, each with 下载 Word / 下载 PDF, and the loan's generation history."""
    loan = get_object_or_404(Loan.objects.for_user(request.user).select_related("borrower"), loan_no=loan_no)
    if not services.may_generate(request.user):
        raise PermissionDenied("您的角色不能生成催收文书")
    has_plan = active_plan(loan) is not None
    kinds = [
        {"kind": k, "label": Kind(k).label, "what": WHAT_FOR[k], "ready": k != Kind.AGREEMENT or has_plan}
        for k in PER_LOAN
    ]
    history = GeneratedDocument.objects.filter(loans=loan).select_related("user")[:20]
    form = DatesForm(initial={"as_of": timezone.localdate()})
    return render(request, "documents/loan.html", {"loan": loan, "kinds": kinds, "history": history, "form": form})


@login_required
@require_POST
def loan_download(request, loan_no, kind):
    """One document of one loan as Word or PDF (the button's format)."""
    loan = get_object_or_404(Loan.objects.for_user(request.user), loan_no=loan_no)
    if kind not in PER_LOAN:
        raise Http404("没有这种文书")
    form = DatesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "日期格式不正确（示例：2026-03-31）")
        return redirect("documents:loan", loan_no=loan.loan_no)
    d = form.cleaned_data
    try:
        made = services.generate(kind, [loan], d["fmt"], request.user, as_of=d["as_of"], pay_by=d["pay_by"])
    except services.OutOfScope as exc:
        raise Http404 from exc
    except (ValidationError, CjkFontMissing) as exc:
        messages.error(request, f"未生成{Kind(kind).label}：{_refusal(exc)}")
        return redirect("documents:loan", loan_no=loan.loan_no)
    return _download(made)


def _batch_townships(user):
    towns = Township.objects.filter(pk__in=Loan.objects.for_user(user).values("township_id"))
    return towns.order_by("name")


@login_required
def batch(request):
    """A township's or a category's documents in one file, each loan on its own page."""
    user = request.user
    if not services.may_batch(user):
        raise PermissionDenied("批量打印由乡镇管理员或区金融办办理")
    if "job" in request.GET:
        return batch_job(request, request.GET["job"])
    if request.method == "POST" and "take" in request.POST:
        return batch_job_download(request, request.POST["take"])
    district_wide = user.is_superuser or user.is_district_wide
    form = BatchForm(
        request.POST or None, townships=_batch_townships(user), district_wide=district_wide,
        initial={"as_of": timezone.localdate(), "fmt": Format.PDF},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        day = d["as_of"] or timezone.localdate()
        kind, town, category = d["kind"], d["township"], d["category"] or None
        loans = list(services.batch_loans(user, kind, day, township=town, category=category).values_list("pk", flat=True))
        scope = services.batch_scope(kind, town, category)
        if not loans:
            form.add_error(None, f"{scope}在 {day:%Y-%m-%d} 没有可生成{Kind(kind).label}的贷款")
        elif tasks.runs_in_background(len(loans)):
            job = tasks.queue(user, kind, loans, d["fmt"], as_of=day, pay_by=d["pay_by"], scope=scope)
            return redirect(_job_url(job.id))
        else:
            try:
                made = services.generate(kind, loans, d["fmt"], user, as_of=day, pay_by=d["pay_by"], scope=scope)
            except (ValidationError, CjkFontMissing) as exc:
                form.add_error(None, _refusal(exc))
            else:
                return _download(made)
    return render(request, "documents/batch.html", {"form": form})


def _job_url(job_id: str) -> str:
    return f"{reverse('documents:batch')}?{urlencode({'job': job_id})}"


def _own_job(request, job_id: str):
    """The person's own background batch; anyone else's (or a removed one) is not found."""
    job = tasks.find(request.user, job_id)
    if job is None:
        raise Http404("没有这个批量文书任务（可能已下载或已过期删除）")
    return job


@never_cache
@login_required
def batch_job(request, job_id: str):
    """A background batch: its progress (polled by htmx) and, once made, the download."""
    if not services.may_batch(request.user):
        raise PermissionDenied("批量打印由乡镇管理员或区金融办办理")
    job = _own_job(request, job_id)
    if request.htmx:
        if not job.in_progress:
            return HttpResponseClientRefresh()
        return render(request, "documents/_batch_job.html", {"job": job})
    return render(request, "documents/batch_job.html", {"job": job})


@login_required
@require_POST
def batch_job_download(request, job_id: str):
    """The finished file of a background batch, once: it is removed from the server as it is handed over."""
    if not services.may_batch(request.user):
        raise PermissionDenied("批量打印由乡镇管理员或区金融办办理")
    job = _own_job(request, job_id)
    if job.status != tasks.DONE:
        return redirect(_job_url(job.id))
    response = HttpResponse(tasks.take(job), content_type=CONTENT_TYPES[job.fmt])
    response["Content-Disposition"] = content_disposition_header(True, job.file_name)
    return response


def _require_template_admin(user) -> None:
    if not services.may_replace_templates(user):
        raise PermissionDenied("只有区金融办可以更换文书模板")


@login_required
def templates(request):
    """The Word template in use per kind, its earlier versions, and the upload of a replacement."""
    _require_template_admin(request.user)
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            tpl = services.upload_template(d["kind"], d["file"], request.user, note=d["note"])
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, f"已启用{tpl}（生成 Word 文书时使用；PDF 版式随平台）")
            return redirect("documents:templates")
    rows = []
    versions = DocumentTemplate.objects.select_related("uploaded_by")
    for k in Kind:
        mine = [t for t in versions if t.kind == k]
        rows.append({"kind": k.value, "label": k.label, "active": next((t for t in mine if t.active), None), "versions": mine})
    return render(request, "documents/templates.html", {"form": form, "rows": rows})


@login_required
def template_download(request, kind):
    """The Word template in use for `kind` (or the shipped default, ?default=1), to edit and upload again."""
    _require_template_admin(request.user)
    if kind not in Kind.values:
        raise Http404("没有这种文书")
    if request.GET.get("default"):
        data, label = default_path(kind).read_bytes(), "默认"
    else:
        data, tpl = services.active_template(kind)
        label = f"第{tpl.version}版" if tpl else "默认"
    response = HttpResponse(data, content_type=CONTENT_TYPES[Format.DOCX])
    response["Content-Disposition"] = content_disposition_header(True, f"{Kind(kind).label}模板_{label}.docx")
    return response


@login_required
@require_POST
def template_activate(request, kind):
    """Use an earlier version again, or the shipped default (no version)."""
    _require_template_admin(request.user)
    if kind not in Kind.values:
        raise Http404("没有这种文书")
    raw = request.POST.get("version") or None
    try:
        chosen = services.activate_template(kind, int(raw) if raw else None, request.user)
    except (ValueError, ValidationError) as exc:
        messages.error(request, _refusal(exc) if isinstance(exc, ValidationError) else "版本号不正确")
    else:
        messages.success(request, f"已启用{chosen}" if chosen else f"{Kind(kind).label}已恢复使用默认模板")
    return redirect("documents:templates")


@login_required
def log(request):
    """Who generated which document when: the district sees everything, others their own."""
    if not (services.may_generate(request.user) or request.user.is_district_wide):
        raise PermissionDenied("无权查看文书生成记录")
    qs = services.log_for(request.user)
    kind = request.GET.get("kind")
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "documents/log.html", {"page": page, "kinds": Kind.choices, "kind": kind})
