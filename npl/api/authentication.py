"""Who is calling: a system with `Authorization: Token <key>` (or `Bearer <key>`), or a person's session (with CSRF).

Failed token attempts are counted per client address: past NPL_API_TOKEN_FAILURE_LIMIT in
NPL_API_TOKEN_FAILURE_WINDOW seconds every token request from that address is a 429 until the window ends,
so keys cannot be guessed at speed (the login page has django-axes for the same reason).
"""
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from npl.api.services import token_for_key

KEYWORDS = ("token", "bearer")


def _failures_key(request) -> str:
    return f"npl-api-token-failures:{get_client_ip_address(request._request) or 'unknown'}"


def _refuse_when_throttled(request) -> None:
    """Throttled (429, with the seconds to wait) while this address is past its failed-attempt limit."""
    seen = cache.get(_failures_key(request))
    if seen and seen["n"] >= settings.NPL_API_TOKEN_FAILURE_LIMIT:
        wait = max(1, int(seen["until"] - time.time()))
        raise exceptions.Throttled(wait=wait, detail="令牌验证失败次数过多，请稍后再试")


def _count_failure(request) -> None:
    key, window = _failures_key(request), settings.NPL_API_TOKEN_FAILURE_WINDOW
    seen = cache.get(key) or {"n": 0, "until": time.time() + window}
    seen["n"] += 1
    cache.set(key, seen, timeout=max(1, int(seen["until"] - time.time())))


class TokenAuthentication(authentication.BaseAuthentication):
    """接口令牌: the request acts as the token's service user (its role and unit decide the scope)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        _refuse_when_throttled(request)
        if len(header) != 2:
            _count_failure(request)
            raise exceptions.AuthenticationFailed("令牌格式有误：应为 “Authorization: Token <令牌>”")
        try:
            key = header[1].decode()
        except UnicodeDecodeError as exc:
            _count_failure(request)
            raise exceptions.AuthenticationFailed("令牌含有无效字符") from exc
        token = token_for_key(key)
        if token is None:
            _count_failure(request)
            raise exceptions.AuthenticationFailed("令牌无效或已撤销")
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Token realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI description (bearer: `Authorization: Bearer <key>` works as well as `Token`)."""

    target_class = "npl.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "区金融办创建的接口令牌：Authorization: Bearer <令牌>"}
