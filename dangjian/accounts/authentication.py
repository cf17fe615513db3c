"""API authentication: personal tokens (hashed, expiring) and the browser session.

A token stands in for a password, never for the checks around it: every request re-checks the
account (disabled, expired, locked, 三员 role, password to be changed), because the browser gate
(``AccountGateMiddleware``) does not see token requests — DRF authenticates inside the view.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from dangjian.accounts import services
from dangjian.accounts.models import ApiToken, User
from dangjian.accounts.rules import API_TOKEN_SCHEME, TokenUse, token_use_refusal
from dangjian.core import clock
from dangjian.core.apierrors import ExplainedAuthenticationFailed, ExplainedPermissionDenied

CSRF_FAILED_MESSAGE = "CSRF 校验失败：请刷新页面后重试，或使用 API 令牌"
# Latin-1 only: HTTP header values cannot carry Chinese.
AUTH_CHALLENGE = f'{API_TOKEN_SCHEME} realm="api"'


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token djt_…``. First in the list, so a 401 names this scheme in
    ``WWW-Authenticate``."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != API_TOKEN_SCHEME.lower().encode():
            return None  # not ours: the session (or nobody) answers
        if len(header) != 2:
            raise ExplainedAuthenticationFailed("Authorization 头格式应为：Token <令牌>")
        try:
            clear = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise ExplainedAuthenticationFailed("API 令牌无效") from exc
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=services.api_token_digest(clear))
            .first()
        )
        if token is None:
            raise ExplainedAuthenticationFailed("API 令牌无效")
        user = token.user
        now = clock.now()
        kind, message = token_use_refusal(
            _token_use(request, token, user), now, _policy(), today=timezone.localdate(now)
        )
        if kind == "password":
            raise ExplainedPermissionDenied(message)
        if kind:
            raise ExplainedAuthenticationFailed(message)
        services.record_api_token_use(token, now=now)
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return AUTH_CHALLENGE


def _token_use(request: Request, token: ApiToken, user: User) -> TokenUse:
    return TokenUse(
        expires_at=token.expires_at,
        revoked=token.revoked_at is not None,
        admin_role=user.admin_role,
        is_active=user.is_active,
        valid_until=user.valid_until,
        # The same lockout the login form applies (django-axes), for this account and address.
        locked=AxesProxyHandler.is_locked(request._request, {"username": user.username}),
        must_change_password=user.must_change_password,
        password_changed_at=user.password_changed_at,
    )


def _policy() -> Any:
    from dangjian.accounts.validators import current_policy

    return current_policy()


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with a CSRF refusal that says what went wrong in Chinese
    (the generic 403 text would blame the user's role)."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise ExplainedPermissionDenied(CSRF_FAILED_MESSAGE) from exc


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The token scheme in the OpenAPI document (``/api/schema/``)."""

    target_class = "dangjian.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "个人 API 令牌：在“个人信息”页面创建，请求头写作 `Authorization: Token <令牌>`。"
                "令牌有有效期，可随时撤销；三员管理账号不能使用令牌。"
            ),
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """drf-spectacular's cookie scheme matches only DRF's own class, not this subclass."""

    target_class = "dangjian.accounts.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
