"""Imports through the API: upload (checked by a dry run, as on the page), poll the batch, read its report,
then commit or cancel. The batch's report is the dict `run_import` returns — what `npl import … --json` prints."""
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from npl.api.serializers import BatchSerializer
from npl.api.views.base import StrictQueryMixin
from npl.intake import permissions, tasks
from npl.intake.choices import BatchStatus, ImportKind
from npl.intake.forms import UploadForm
from npl.intake.models import ImportBatch
from npl.intake.services import UnusableFile


class UploadInputSerializer(serializers.Serializer):
    """The upload form's fields (npl.intake.forms.UploadForm decides which apply to the kind and role)."""

    kind = serializers.ChoiceField(choices=ImportKind.choices, help_text="导入类型")
    file = serializers.FileField(help_text=".xlsx、.xls 或 .csv")
    sub_kind = serializers.CharField(required=False, help_text="名单类型或清单类型（roster、loan-list）")
    as_of = serializers.DateField(required=False, help_text="数据日期")
    township = serializers.IntegerField(required=False, help_text="名单范围：乡镇 id（区金融办）")
    sheet = serializers.CharField(required=False, help_text="工作表名称")
    create_units = serializers.BooleanField(required=False, help_text="新建不存在的乡镇和网点（区金融办，loans）")
    skip_invalid = serializers.BooleanField(required=False, help_text="跳过错误行")


class CommitInputSerializer(serializers.Serializer):
    skip_invalid = serializers.BooleanField(required=False, default=False, help_text="跳过错误行，导入其余行")


def _visible_batch(request, pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.for_user(request.user).select_related("user", "township"), pk=pk)


def _form_errors(form) -> dict:
    return {("non_field_errors" if k == "__all__" else k): [str(m) for m in v] for k, v in form.errors.items()}


@extend_schema_view(
    get=extend_schema(tags=["导入"], summary="导入批次"),
    post=extend_schema(tags=["导入"], summary="上传文件（先试导入，确认后写入）", request={"multipart/form-data": UploadInputSerializer},
                       responses={201: BatchSerializer, 202: BatchSerializer}),
)
class BatchList(StrictQueryMixin, generics.ListCreateAPIView):
    """GET the batches the person may see; POST a file: it is checked by a dry run and kept as a preview."""

    serializer_class = BatchSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return ImportBatch.objects.for_user(self.request.user).select_related("user", "township")

    def create(self, request, *args, **kwargs):
        # Lazy import: _start_batch is how the upload page records a batch and its stored copy.
        from npl.intake.views import _start_batch

        kind = request.data.get("kind", "")
        if kind not in ImportKind.values:
            raise serializers.ValidationError({"kind": [f"未知的导入类型“{kind}”"]})
        if not permissions.may_upload(request.user, kind):
            raise PermissionDenied("您的角色不能上传这类数据")
        form = UploadForm(request.data, request.FILES, kind=kind, user=request.user)
        if not form.is_valid():
            raise serializers.ValidationError(_form_errors(form))
        batch = _start_batch(form, request.user, kind)
        if tasks.runs_in_background(batch):
            tasks.enqueue(batch, dry_run=True)
            return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
        try:
            tasks.run_batch(batch.pk, dry_run=True)
        except UnusableFile as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from exc
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["导入"], summary="一个导入批次：状态和导入报告")
class BatchDetail(StrictQueryMixin, generics.RetrieveAPIView):
    """Poll a batch: its status, and once run the same report `npl import … --json` prints."""

    serializer_class = BatchSerializer

    def get_queryset(self):
        return ImportBatch.objects.for_user(self.request.user).select_related("user", "township")


@extend_schema(tags=["导入"], summary="确认导入（只有上传人，只能一次）", request=CommitInputSerializer,
               responses={200: BatchSerializer, 202: BatchSerializer})
class BatchCommit(StrictQueryMixin, APIView):
    """Run the previewed file for real, as the page's 确认导入 does."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def post(self, request, pk: int):
        batch = _visible_batch(request, pk)
        user = request.user
        if batch.user_id != user.pk or not permissions.may_upload(user, batch.kind):
            raise PermissionDenied("只有上传该文件的人可以确认导入")
        data = CommitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        skip = data.validated_data["skip_invalid"] or bool((batch.options or {}).get("skip_invalid"))
        # Claim the preview in one UPDATE (as the page does) so a replayed request cannot import it twice.
        claimed = ImportBatch.objects.filter(pk=batch.pk, user=user, status=BatchStatus.PREVIEW).update(
            status=BatchStatus.QUEUED, dry_run=False, options={**(batch.options or {}), "skip_invalid": skip}, finished_at=None
        )
        if not claimed:
            raise serializers.ValidationError({"non_field_errors": ["该批次已经确认或取消，不能再次导入"]})
        batch.refresh_from_db()
        if tasks.runs_in_background(batch):
            tasks.enqueue(batch, dry_run=False)
            return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
        try:
            tasks.run_batch(batch.pk, dry_run=False)
        except UnusableFile as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from exc
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data)


@extend_schema(tags=["导入"], summary="取消试导入（不写入任何数据）", request=None, responses=BatchSerializer)
class BatchCancel(StrictQueryMixin, APIView):
    """The preview is kept for the record as cancelled, as on the page."""

    def post(self, request, pk: int):
        batch = _visible_batch(request, pk)
        if batch.user_id != request.user.pk:
            raise PermissionDenied("只有上传该文件的人可以取消")
        cancelled = ImportBatch.objects.filter(pk=batch.pk, user=request.user, status=BatchStatus.PREVIEW).update(
            status=BatchStatus.CANCELLED, finished_at=timezone.now()
        )
        if not cancelled:
            raise serializers.ValidationError({"non_field_errors": ["该批次已经确认或取消"]})
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data)
