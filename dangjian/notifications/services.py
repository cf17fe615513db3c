"""Writes of the outbox: emit, mark read, e-mail preferences.

``notify`` is called by a producing service inside its own transaction; the rows commit or roll
back with the change they announce, and the e-mail task is enqueued only after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet

from dangjian.core import audit
from dangjian.core.actors import Actor, SystemActor, require_actor
from dangjian.notifications.models import EmailPreference, EmailStatus, Notification
from dangjian.notifications.registry import all_kinds, get_kind
from dangjian.notifications.rules import redact_identifiers

Recipients = AbstractBaseUser | Iterable[AbstractBaseUser]


def actor_label(actor: Actor) -> str:
    """A user's username, or a named system actor's name (a command, a job)."""
    require_actor(actor)
    if isinstance(actor, SystemActor):
        return actor.name[:150]
    return str(actor.get_username())[:150]


def _recipient_list(recipients: Recipients) -> list[Any]:
    if isinstance(recipients, AbstractBaseUser):
        recipients = [recipients]
    unique: dict[int, Any] = {}
    for user in recipients:
        if user is not None and user.is_active:
            unique.setdefault(user.pk, user)
    return list(unique.values())


def email_wanted(users: list[Any], kind: str) -> set[int]:
    """Ids of the users who get this kind by e-mail: their choice, else the kind's default."""
    default = get_kind(kind).email_default
    chosen = dict(
        EmailPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", "email")
    )
    return {user.pk for user in users if chosen.get(user.pk, default) and user.email}


@transaction.atomic
def notify(
    recipients: Recipients,
    kind: str,
    event_key: str,
    title: str,
    body: str = "",
    link: str = "",
    *,
    actor: Actor,
    now: datetime,
) -> list[Notification]:
    """One notification per recipient for this event; recipients already notified of it are
    skipped, so a producer that runs twice (a retried job) notifies once. Returns the new rows."""
    get_kind(kind)  # an undeclared kind is a bug, found at the first call
    label = actor_label(actor)
    users = _recipient_list(recipients)
    if not users:
        return []
    already = set(
        Notification.objects.filter(recipient__in=users, event_key=event_key).values_list(
            "recipient_id", flat=True
        )
    )
    fresh = [user for user in users if user.pk not in already]
    if not fresh:
        return []
    mailed = email_wanted(fresh, kind)
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            event_key=event_key[:200],
            title=redact_identifiers(title)[:200],
            body=redact_identifiers(body),
            link=link[:500],
            actor_label=label,
            created_at=now,
            email_status=EmailStatus.PENDING if user.pk in mailed else EmailStatus.NOT_WANTED,
        )
        for user in fresh
    ]
    # A concurrent producer may have inserted the same event meanwhile: the constraint decides,
    # and the rows it kept are the ones read back.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(
            recipient__in=fresh, event_key=event_key[:200], created_at=now
        ).order_by("pk")
    )
    to_mail = [row.pk for row in created if row.email_status == EmailStatus.PENDING]
    if to_mail:
        from dangjian.notifications.tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.enqueue(to_mail))
    return created


def for_recipient(user: Any) -> QuerySet[Notification]:
    """The only way pages read notifications: the user's own."""
    return Notification.objects.filter(recipient_id=user.pk)


def unread_count(user: Any) -> int:
    return for_recipient(user).filter(read_at__isnull=True).count()


def mark_read(user: Any, pk: int, *, now: datetime) -> Notification:
    """Raises Notification.DoesNotExist for another user's id (the page answers 404)."""
    notification = for_recipient(user).get(pk=pk)
    if notification.read_at is None:
        for_recipient(user).filter(pk=pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def mark_all_read(user: Any, *, now: datetime) -> int:
    return for_recipient(user).filter(read_at__isnull=True).update(read_at=now)


def email_choices(user: Any) -> list[tuple[str, str, bool]]:
    """(kind, label, e-mail on) for every declared kind, as the profile page shows them."""
    chosen = dict(EmailPreference.objects.filter(user_id=user.pk).values_list("kind", "email"))
    return [(k.key, k.label, chosen.get(k.key, k.email_default)) for k in all_kinds()]


@transaction.atomic
def set_email_preferences(
    user: Any, enabled: set[str], *, email: str, actor: Actor
) -> dict[str, bool | str]:
    """Store the address and the user's choice for every declared kind; returns what changed.

    Refuses (``ValidationError`` keyed by field, nothing stored) an unknown kind or a malformed
    address."""
    require_actor(actor)
    if actor.pk != user.pk:
        # Preferences are personal: only the account itself chooses.
        raise PermissionError("only the account itself sets its notification preferences")
    current = {key: on for key, _label, on in email_choices(user)}
    if enabled - current.keys():
        raise ValidationError({"email_kinds": "包含不存在的通知类型"})
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": "请输入有效的邮箱地址，例如 name@example.com"}
            ) from None
        if len(email) > 254:
            raise ValidationError({"email": "邮箱地址过长"})
    changed: dict[str, bool | str] = {
        f"email.{key}": key in enabled for key, on in current.items() if (key in enabled) != on
    }
    for key, on in current.items():
        if (key in enabled) != on:
            EmailPreference.objects.update_or_create(
                user=user, kind=key, defaults={"email": key in enabled}
            )
    if email != user.email:
        user.email = email
        user.save(update_fields=["email"])
        changed["address"] = (
            "已设置" if email else "已清除"
        )  # the address itself stays out of the log
    if changed:
        audit.record(
            "notifications.preferences.change", actor=actor, obj=user, changes=dict(changed)
        )
    return changed
