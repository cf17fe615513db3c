"""Security events from Django auth and django-axes, recorded in the audit log.

These are framework signals (the login machinery lives outside our services); each receiver only
writes an audit entry and never changes domain state.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from dangjian.core import audit, clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditOutcome

# Refused sign-ins are recorded on nobody's session; the entry names the username tried.
LOGIN_GUARD = SystemActor("login_guard")


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from dangjian.accounts.middleware import PASSWORD_EXPIRED_KEY, stamp_activity
    from dangjian.accounts.rules import password_expired
    from dangjian.accounts.validators import current_policy

    expired = password_expired(user.password_changed_at, clock.now(), current_policy())
    if request is not None and hasattr(request, "session"):
        request.session[PASSWORD_EXPIRED_KEY] = expired
        stamp_activity(request.session)
    with transaction.atomic():
        audit.record("auth.login", actor=user, obj=user, changes={"password_expired": expired})


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            audit.record("auth.logout", actor=user, obj=user)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    with transaction.atomic():
        audit.record(
            "auth.login_failed",
            actor=LOGIN_GUARD,
            username=username,
            outcome=AuditOutcome.FAILURE,
            object_repr=username,
        )


@receiver(user_locked_out)
def on_locked_out(
    sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any
) -> None:
    with transaction.atomic():
        audit.record(
            "auth.lockout",
            actor=LOGIN_GUARD,
            username=str(username or "")[:150],
            outcome=AuditOutcome.DENIED,
            object_repr=str(username or ""),
            changes={"ip": ip_address},
        )
