"""Every API error in one JSON shape: {"error": {"code", "message", "fields"}} with a stable code and a Chinese message.

Services refuse with Django's PermissionDenied and ValidationError (a `stale` code when optimistic locking
lost); DRF raises its own exceptions; both end up here.
"""
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from npl.intake.readers import UnusableFile

log = logging.getLogger(__name__)

MESSAGES = {
    "not_found": "未找到该对象",
    "permission_denied": "您无权进行此操作",
    "not_authenticated": "请先登录或提供有效的接口令牌",
    "validation_error": "提交的数据有误",
    "conflict": "该对象已被他人修改，请刷新后重试",
    "throttled": "请求过于频繁，请稍后再试",
    "method_not_allowed": "不支持该请求方法",
    "parse_error": "请求内容无法解析",
    "unsupported_media_type": "不支持该内容类型",
    "not_acceptable": "无法按要求的格式返回",
    "server_error": "服务器内部错误，请联系管理员",
}
STALE_CODES = {"stale"}


class ErrorBodySerializer(serializers.Serializer):
    """The inside of every error answer."""

    code = serializers.ChoiceField(choices=sorted(MESSAGES), help_text="稳定的错误代码")
    message = serializers.CharField(help_text="中文说明")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False, help_text="字段名 → 该字段的错误"
    )


class ErrorSerializer(serializers.Serializer):
    """{"error": {...}}"""

    error = ErrorBodySerializer()


def body(code: str, message: str = "", fields: dict | None = None) -> dict:
    out = {"code": code, "message": message or MESSAGES[code]}
    if fields:
        out["fields"] = {k: [str(m) for m in (v if isinstance(v, list | tuple) else [v])] for k, v in fields.items()}
    return {"error": out}


def _flat(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flat(v)]
    if isinstance(detail, list | tuple):
        return [m for v in detail for m in _flat(v)]
    return [str(detail)]


def _fields(detail) -> dict:
    """DRF error detail → {field: [messages]} (nested keys joined with dots, list positions kept)."""
    out: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            for i, v in enumerate(value):
                if v:
                    walk(f"{prefix}.{i}" if prefix else str(i), v)
        else:
            out.setdefault(prefix or "non_field_errors", []).extend(_flat(value))

    walk("", detail)
    return out


def django_validation_response(exc: DjangoValidationError) -> Response:
    codes = {getattr(e, "code", None) for e in exc.error_list} if not hasattr(exc, "error_dict") else set()
    if codes & STALE_CODES:
        return Response(body("conflict", "；".join(exc.messages)), status=status.HTTP_409_CONFLICT)
    if hasattr(exc, "error_dict"):
        fields = exc.message_dict
        message = "；".join(f"{m}" for msgs in fields.values() for m in msgs)
        fields = {("non_field_errors" if k == "__all__" else k): v for k, v in fields.items()}
        return Response(body("validation_error", message, fields), status=status.HTTP_400_BAD_REQUEST)
    return Response(body("validation_error", "；".join(exc.messages)), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: map every exception to the one shape; anything unforeseen is a logged 500."""
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(body("not_found"), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoValidationError):
        return django_validation_response(exc)
    if isinstance(exc, UnusableFile):
        return Response(body("validation_error", str(exc), {"file": [str(exc)]}), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(body("permission_denied", str(exc) or ""), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = {
            exceptions.NotAuthenticated: "not_authenticated",
            exceptions.AuthenticationFailed: "not_authenticated",
            exceptions.PermissionDenied: "permission_denied",
            exceptions.ValidationError: "validation_error",
            exceptions.ParseError: "parse_error",
            exceptions.MethodNotAllowed: "method_not_allowed",
            exceptions.NotAcceptable: "not_acceptable",
            exceptions.UnsupportedMediaType: "unsupported_media_type",
            exceptions.Throttled: "throttled",
        }.get(type(exc))
        if code is None:
            code = next((c for cls, c in ((exceptions.ValidationError, "validation_error"),
                                          (exceptions.PermissionDenied, "permission_denied")) if isinstance(exc, cls)),
                        "server_error" if exc.status_code >= 500 else "validation_error")
        if code == "validation_error":
            fields = _fields(exc.detail)
            # DRF's own messages ("该字段是必填项。") do not say which field: the message names it.
            message = "；".join(m if k == "non_field_errors" else f"{k}：{m}" for k, msgs in fields.items() for m in msgs)
            return Response(body(code, message, fields), status=exc.status_code, headers=headers)
        if code in ("not_authenticated", "permission_denied") and isinstance(exc.detail, str):
            message = str(exc.detail) if _is_chinese(str(exc.detail)) else ""
            return Response(body(code, message), status=exc.status_code, headers=headers)
        return Response(body(code), status=exc.status_code, headers=headers)
    log.exception("API error", exc_info=exc)
    return Response(body("server_error"), status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def _is_chinese(text: str) -> bool:
    """DRF's own default messages are English; ours (and the services') are Chinese and say more."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
