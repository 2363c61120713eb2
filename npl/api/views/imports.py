"""Imports through the API: upload (checked by a dry run, as on the page), poll the batch, read its report,
then commit or cancel. The batch's report is the dict `run_import` returns — what `npl import … --json` prints."""
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from npl.api.serializers import BatchSerializer
from npl.api.views.base import StrictQueryMixin
from npl.intake import permissions, services, tasks
from npl.intake.choices import ImportKind
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


def _batches(request):
    return ImportBatch.objects.for_user(request.user).select_related("user", "township")


def _form_errors(form) -> dict:
    return {("non_field_errors" if k == "__all__" else k): [str(m) for m in v] for k, v in form.errors.items()}


def _run(batch: ImportBatch, *, dry_run: bool, done_status: int = status.HTTP_200_OK) -> Response:
    """Run the batch as the page does (intake.tasks.run_or_queue): 202 while the worker has it."""
    try:
        report = tasks.run_or_queue(batch, dry_run=dry_run)
    except UnusableFile as exc:
        raise serializers.ValidationError({"file": [str(exc)]}) from exc
    if report is None:
        return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
    batch.refresh_from_db()
    return Response(BatchSerializer(batch).data, status=done_status)


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
        return _batches(self.request)

    def create(self, request, *args, **kwargs):
        kind = request.data.get("kind", "")
        if kind not in ImportKind.values:
            raise serializers.ValidationError({"kind": [f"未知的导入类型“{kind}”"]})
        if not permissions.may_upload(request.user, kind):
            raise PermissionDenied("您的角色不能上传这类数据")
        form = UploadForm(request.data, request.FILES, kind=kind, user=request.user)
        if not form.is_valid():
            raise serializers.ValidationError(_form_errors(form))
        batch = services.start_batch(request.user, kind, **form.cleaned_data)
        return _run(batch, dry_run=True, done_status=status.HTTP_201_CREATED)


@extend_schema(tags=["导入"], summary="一个导入批次：状态和导入报告")
class BatchDetail(StrictQueryMixin, generics.RetrieveAPIView):
    """Poll a batch: its status, and once run the same report `npl import … --json` prints."""

    serializer_class = BatchSerializer

    def get_queryset(self):
        return _batches(self.request)


@extend_schema(tags=["导入"], summary="确认导入（只有上传人，只能一次）", request=CommitInputSerializer,
               responses={200: BatchSerializer, 202: BatchSerializer})
class BatchCommit(StrictQueryMixin, APIView):
    """Run the previewed file for real, as the page's 确认导入 does (intake.services.commit_preview)."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def post(self, request, pk: int):
        batch = get_object_or_404(_batches(request), pk=pk)
        data = CommitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.commit_preview(batch, request.user, skip_invalid=data.validated_data["skip_invalid"])
        return _run(batch, dry_run=False)


@extend_schema(tags=["导入"], summary="取消试导入（不写入任何数据）", request=None, responses=BatchSerializer)
class BatchCancel(StrictQueryMixin, APIView):
    """The preview is kept for the record as cancelled, as on the page (intake.services.cancel_preview)."""

    def post(self, request, pk: int):
        batch = services.cancel_preview(get_object_or_404(_batches(request), pk=pk), request.user)
        return Response(BatchSerializer(batch).data)
