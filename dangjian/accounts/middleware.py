from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from dangjian.core import clock

_OPEN_PREFIXES = ("/static/", "/healthz", "/accounts/logout/", "/api/schema/")
LAST_ACTIVITY_KEY = "last_activity"
# Set at login when the password is past the policy's maximum age (see receivers.on_login).
PASSWORD_EXPIRED_KEY = "password_expired"  # noqa: S105 (a session key name, not a secret)


def now_seconds() -> int:
    """The idle clock (one place, so tests can move it)."""
    return int(clock.epoch_seconds())


def stamp_activity(session: Any) -> None:
    """Start the idle clock; called at login so the gap before the first request counts."""
    session[LAST_ACTIVITY_KEY] = now_seconds()


class IdleTimeoutMiddleware:
    """Log out a session idle for longer than the policy allows (default 30 minutes)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = now_seconds()
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - int(last) > settings.IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(request, "长时间未操作，已自动退出，请重新登录。")
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            # Refresh at most once a minute: a session write on every request costs three queries.
            if last is None or now - int(last) >= 60:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class AccountGateMiddleware:
    """Before anything else: change an initial or expired password, then pass the second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or request.path.startswith(_OPEN_PREFIXES):
            return self.get_response(request)
        password_url = reverse("accounts:password_change")
        if request.path in (password_url,):
            return self.get_response(request)
        if user.must_change_password or request.session.get(PASSWORD_EXPIRED_KEY):
            return redirect(password_url)
        if user.needs_second_factor and not user.is_verified():  # type: ignore[attr-defined]
            otp_paths = (reverse("accounts:otp_verify"), reverse("accounts:otp_enrol"))
            if request.path not in otp_paths:
                return redirect(otp_paths[0])
        return self.get_response(request)
