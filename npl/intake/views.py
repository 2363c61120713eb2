"""Intake pages: choose a kind, upload, dry-run preview, commit or cancel, progress, batches and downloads.

Every upload is previewed first (a dry run of the import engine); nothing is written until the person
who uploaded it confirms. Large files run in the background worker and the page polls their progress.
"""
from pathlib import Path

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from npl.categories.choices import ROSTER_KINDS
from npl.core.models import AuditLog
from npl.intake import mappings, permissions, services, tasks, xlsx
from npl.intake.changes import preview as change_preview
from npl.intake.choices import BatchStatus, ImportKind, Reason
from npl.intake.forms import ColumnMappingForm, CommitForm, UploadForm
from npl.intake.importers import IMPORTERS
from npl.intake.models import ImportBatch
from npl.intake.services import UnusableFile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ROWS = 500  # rows of each report list shown on the page; the refused-rows workbook has them all

KIND_NOTES = {
    "loans": "农合行导出的不良贷款明细（借据号、借款人、身份证号、乡镇、网点、金额、余额、日期、担保方式）",
    "roster": "政府部门提供的人员名单（姓名、身份证号），按身份证号匹配借款人；新名单导入后即为现行名单",
    "loan-list": "农合行调查认定的冒名顶替、职工借名贷款（借据号、类型）",
    "litigation": "涉诉案件（借据号、诉讼类型、案号、阶段和日期）",
    "repayments": "农合行还款流水（交易流水号、借据号、还款日期、归还本金）",
    "actions": "乡镇催收台账（借据号、催收日期、催收方式、签收情况）",
}


def _kind_or_404(kind: str) -> str:
    if kind not in IMPORTERS:
        raise Http404("没有这种导入类型")
    return kind


def _require_upload(user, kind: str) -> None:
    if not permissions.may_upload(user, kind):
        raise PermissionDenied("您的角色不能上传这类数据")


def _visible_batch(request, pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.for_user(request.user).select_related("user", "township"), pk=pk)


def _audit_export(request, batch: ImportBatch, reason: str) -> None:
    # The stored file and the refused rows carry full ID numbers: an unmasked export, logged.
    AuditLog.objects.create(
        user=request.user, action="export_unmasked", object_type="import_batch", object_id=str(batch.pk),
        reason=reason, ip=get_client_ip_address(request) or None,
    )


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# -- batches -----------------------------------------------------------------------------------------
@login_required
def batch_list(request):
    """导入记录: the batches the person may see, newest first."""
    qs = ImportBatch.objects.for_user(request.user).select_related("user", "township")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"batch": b, "title": xlsx.kind_title(b.kind, b.sub_kind)} for b in page.object_list]
    return render(
        request,
        "intake/batch_list.html",
        {"page": page, "rows": rows, "may_upload": bool(permissions.upload_kinds(request.user))},
    )


def _display_key(batch: ImportBatch, key):
    # Roster keys carry a hash suffix to keep two people with the same mask apart; people read the mask.
    if key and batch.kind == "roster":
        return str(key).split("#", 1)[0]
    # A key holding a code (the ledger's 方式) is read in Chinese (issue 17).
    return IMPORTERS[batch.kind].key_label(key) if batch.kind in IMPORTERS else key


def _report_lists(batch: ImportBatch) -> dict:
    report = batch.report or {}
    refused = report.get("refused") or []
    warnings = report.get("warnings") or []
    duplicates = report.get("duplicates") or []
    labels = dict(Reason.choices)
    return {
        "refused": [
            {**r, "key": _display_key(batch, r.get("key")), "reason_label": labels.get(r.get("reason"), r.get("reason"))}
            for r in refused[:SHOWN_ROWS]
        ],
        "refused_total": len(refused),
        "warnings": [{**w, "key": _display_key(batch, w.get("key"))} for w in warnings[:SHOWN_ROWS]],
        "warnings_total": len(warnings),
        "duplicates": [{**d, "key": _display_key(batch, d.get("key"))} for d in duplicates[:SHOWN_ROWS]],
        "duplicates_total": len(duplicates),
        "unknown_columns": report.get("unknown_columns") or [],
        "shown_rows": SHOWN_ROWS,
    }


def _progress_context(batch_id: int) -> dict:
    p = tasks.read_progress(batch_id)
    total = p.get("total")
    done = p.get("done") or 0
    percent = min(100, done * 100 // total) if total else None
    return {"phase": p.get("phase"), "done": done, "total": total, "percent": percent}


@login_required
def batch_detail(request, pk: int):
    """One batch: who, what, when, its counts and full report; the preview's commit/cancel for its uploader."""
    batch = _visible_batch(request, pk)
    user = request.user
    is_owner = batch.user_id == user.pk
    in_progress = batch.status in tasks.IN_PROGRESS
    ctx = {
        "batch": batch,
        "title": xlsx.kind_title(batch.kind, batch.sub_kind),
        "report": batch.report or {},
        "in_progress": in_progress,
        "progress": _progress_context(batch.pk) if in_progress else None,
        "may_decide": is_owner and batch.status == BatchStatus.PREVIEW and permissions.may_upload(user, batch.kind),
        "may_download": bool(batch.file) and permissions.may_download_file(user, batch),
        "commit_form": CommitForm(),
        **_report_lists(batch),
        **_mapping_context(batch, user),
        **_layout_context(batch),
        **change_preview(batch.report or {}, SHOWN_ROWS),
    }
    return render(request, "intake/batch_detail.html", ctx)


@never_cache
@login_required
def batch_progress(request, pk: int):
    """The progress bar of a running batch (polled by htmx every second); a finished one reloads the page."""
    batch = _visible_batch(request, pk)
    if batch.status not in tasks.IN_PROGRESS:
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("intake:detail", pk=batch.pk)
    return render(request, "intake/_progress.html", {"batch": batch, "progress": _progress_context(batch.pk)})


@require_POST
@login_required
def batch_commit(request, pk: int):
    """确认导入: run the previewed file for real; only its uploader, only once."""
    batch = _visible_batch(request, pk)
    form = CommitForm(request.POST)
    skip = bool(form.is_valid() and form.cleaned_data["skip_invalid"])
    try:
        batch = services.commit_preview(batch, request.user, skip_invalid=skip)
        report = tasks.run_or_queue(batch, dry_run=False)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("intake:detail", pk=batch.pk)
    except UnusableFile as exc:
        messages.error(request, str(exc))
        return redirect("intake:detail", pk=batch.pk)
    if report is None:
        messages.info(request, "文件较大，已转入后台导入；本页会显示进度")
    elif report["written"]:
        messages.success(
            request,
            f"已导入：新增 {report['created']}，更新 {report['updated']}，未变 {report['unchanged']}"
            + (f"，跳过错误行 {len(report['refused'])}" if report["refused"] else ""),
        )
    else:
        messages.error(request, f"文件有 {len(report['refused'])} 行错误，未写入任何数据")
    return redirect("intake:detail", pk=batch.pk)


@require_POST
@login_required
def batch_cancel(request, pk: int):
    """取消: the preview is kept for the record as cancelled; nothing is written."""
    batch = _visible_batch(request, pk)
    try:
        services.cancel_preview(batch, request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.info(request, "已取消，未写入任何数据")
    return redirect("intake:detail", pk=batch.pk)


@login_required
def batch_file(request, pk: int):
    """The stored copy of the uploaded file, as it came (logged: it holds full ID numbers)."""
    batch = _visible_batch(request, pk)
    if not permissions.may_download_file(request.user, batch):
        raise PermissionDenied("您无权下载该文件")
    if not batch.file:
        raise Http404("没有保存文件副本")
    try:
        handle = batch.file.open("rb")
    except OSError as exc:
        raise Http404("文件副本不存在") from exc
    _audit_export(request, batch, "下载导入文件副本")
    return FileResponse(handle, as_attachment=True, filename=batch.file_name)


@login_required
def batch_refused_rows(request, pk: int):
    """The refused rows as an .xlsx with a last column 错误原因, to fix and upload again."""
    batch = _visible_batch(request, pk)
    if not permissions.may_download_file(request.user, batch):
        raise PermissionDenied("您无权下载该文件")
    if not batch.file or not (batch.report or {}).get("refused"):
        raise Http404("没有错误行")
    try:
        content = xlsx.refused_rows_workbook(batch)
    except (UnusableFile, OSError) as exc:
        raise Http404("文件副本无法读取") from exc
    _audit_export(request, batch, "下载错误行")
    return _xlsx_response(content, f"{Path(batch.file_name).stem}-错误行.xlsx")


# -- uploading ---------------------------------------------------------------------------------------
@login_required
def upload_chooser(request):
    """上传数据: the kinds this person may upload, each with its blank template."""
    kinds = permissions.upload_kinds(request.user)
    if not kinds:
        raise PermissionDenied("您的角色不能上传数据")
    entries = [
        {
            "kind": k,
            "title": ImportKind(k).label,
            "note": KIND_NOTES.get(k, ""),
            "rosters": list(ROSTER_KINDS.items()) if k == "roster" else [],
        }
        for k in kinds
    ]
    return render(request, "intake/chooser.html", {"entries": entries})


@login_required
def upload(request, kind: str):
    """Upload a file of `kind`; it is checked by a dry run and shown as a preview before anything is written."""
    kind = _kind_or_404(kind)
    _require_upload(request.user, kind)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        kind=kind,
        user=request.user,
        initial_sub_kind=request.GET.get("sub_kind", ""),
    )
    if request.method == "POST" and form.is_valid():
        batch = services.start_batch(request.user, kind, **form.cleaned_data)
        try:
            tasks.run_or_queue(batch, dry_run=True)
        except UnusableFile as exc:
            form.add_error("file", str(exc))
            batch.refresh_from_db()  # the engine recorded the failure on its own copy
            mapping = _mapping_context(batch, request.user)  # a header problem: let the person pick the columns
        else:
            return redirect("intake:detail", pk=batch.pk)
    else:
        mapping = {}
    scope = None
    if kind in permissions.SCOPED_KINDS and not permissions.may_choose_township(request.user):
        scope = request.user.township
    return render(
        request,
        "intake/upload.html",
        {"form": form, "kind": kind, "title": ImportKind(kind).label, "note": KIND_NOTES.get(kind, ""), "scope": scope,
         **mapping},
    )


@login_required
def blank_template(request, kind: str):
    """下载空白模板: the columns of `kind` (required ones marked *) and a sheet explaining each."""
    kind = _kind_or_404(kind)
    _require_upload(request.user, kind)
    sub_kind = request.GET.get("sub_kind", "")
    title = xlsx.kind_title(kind, sub_kind)
    return _xlsx_response(xlsx.blank_template(kind, sub_kind), f"{title}-导入模板.xlsx")


def _layout_context(batch: ImportBatch) -> dict:
    """The report's layout fields (issue 13) as rows the page shows: field, column read, unit; totals checked."""
    report = batch.report or {}
    labels = {c.field: c.label for c in mappings.columns_of(batch.kind)}
    units = report.get("units") or {}
    columns = [{"label": labels.get(f, f), "column": c, "unit": units.get(f, "")} for f, c in (report.get("columns") or {}).items()]
    totals = [{"label": labels.get(f, f), **t} for f, t in (report.get("totals") or {}).items()]
    return {"layout_columns": columns, "layout_totals": totals}


# -- column mappings (issue 13) ------------------------------------------------------------------------------
def _mapping_context(batch: ImportBatch, user) -> dict:
    """The column-mapping form for an upload whose header its uploader may still change (a preview, or one
    refused for its header): each field with the file's columns to choose from."""
    if batch.user_id != user.pk or not batch.file or not batch.dry_run:
        return {}
    if batch.status not in (BatchStatus.PREVIEW, BatchStatus.FAILED):
        return {}
    try:
        row_no, names = mappings.file_columns(batch)
    except (UnusableFile, OSError):
        return {}  # the file itself is unusable: no header to map
    if not names:
        return {}
    report = batch.report or {}
    chosen = {**(report.get("columns") or {}), **((batch.options or {}).get("columns") or {})}
    form = ColumnMappingForm(columns=mappings.columns_of(batch.kind), file_columns=names, chosen=chosen)
    return {"mapping_form": form, "mapping_batch": batch, "mapping_header_row": row_no,
            "mapping_name": (batch.options or {}).get("mapping", "")}


@require_POST
@login_required
def batch_mapping(request, pk: int):
    """指定列映射: check the upload again reading each field from the chosen column; optionally save the choice."""
    batch = _visible_batch(request, pk)
    try:
        _, names = mappings.file_columns(batch)
    except (UnusableFile, OSError) as exc:
        messages.error(request, f"文件无法读取：{exc}")
        return redirect("intake:detail", pk=batch.pk)
    form = ColumnMappingForm(request.POST, columns=mappings.columns_of(batch.kind), file_columns=names)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("intake:detail", pk=batch.pk)
    columns = form.chosen_columns()
    try:
        if form.cleaned_data["name"]:
            saved = mappings.save_mapping(request.user, batch.kind, form.cleaned_data["name"], columns,
                                          source=form.cleaned_data["source"])
            messages.success(request, f"已保存列映射“{saved.name}”，下次上传时可以选用")
        batch = services.remap_preview(batch, request.user, columns)
        tasks.run_or_queue(batch, dry_run=True)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except UnusableFile as exc:
        messages.error(request, str(exc))
    return redirect("intake:detail", pk=batch.pk)
