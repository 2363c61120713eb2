"""Who is calling: a system with `Authorization: Token <key>` (or `Bearer <key>`), or a person's session (with CSRF)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from npl.api.services import token_for_key

KEYWORDS = ("token", "bearer")


class TokenAuthentication(authentication.BaseAuthentication):
    """接口令牌: the request acts as the token's service user (its role and unit decide the scope)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式有误：应为 “Authorization: Token <令牌>”")
        try:
            key = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("令牌含有无效字符") from exc
        token = token_for_key(key)
        if token is None:
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
