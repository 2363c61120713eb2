"""The OpenAPI description: every operation documents the error answers it can give, in the one error shape."""
from drf_spectacular.openapi import AutoSchema

from npl.api.errors import ErrorSerializer

# Answers any operation may give (schemathesis checks that every status returned is documented).
COMMON = {
    "400": "请求参数或提交的数据有误（validation_error / parse_error）",
    "401": "未登录或令牌无效（not_authenticated）",
    "403": "无权进行此操作（permission_denied）",
    "404": "对象不存在或不在您的范围内（not_found）",
    "405": "不支持该请求方法（method_not_allowed）",
    "406": "无法按要求的格式返回（not_acceptable）",
    "429": "请求过于频繁（throttled）",
}
WRITES = {
    "409": "已被他人修改（conflict）",
    "415": "不支持该内容类型（unsupported_media_type）",
}


class NplAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error responses, each with the ErrorSerializer body."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra = dict(COMMON)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            extra.update(WRITES)
        for code, description in extra.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses
