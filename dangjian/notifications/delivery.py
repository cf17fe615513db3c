"""E-mail delivery of the outbox, at most once per row once it is marked sent.

A row is claimed with a compare-and-swap (pending and due → sending) before the message is
handed to Django's e-mail backend, so two workers or a re-run task never both send it. A failure
puts it back to pending with the next attempt time (exponential backoff) until the attempts run
out. A worker killed between handing the message over and marking it sent leaves the row
``sending``; the sweep gives it back after ``NOTIFY_EMAIL_CLAIM_SECONDS`` — that crash window is the
only way a message can go twice (docs/adr/0012).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q

from dangjian.notifications.models import EmailStatus, Notification
from dangjian.notifications.rules import absolute_link, email_subject, email_text, next_attempt

logger = logging.getLogger("dangjian.notifications")


def _due(now: datetime) -> Q:
    # A first attempt has no time: it is due on any node, whatever its clock says.
    return Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now)


def _claim(pk: int, now: datetime) -> bool:
    return bool(
        Notification.objects.filter(_due(now), pk=pk, email_status=EmailStatus.PENDING).update(
            email_status=EmailStatus.SENDING,
            email_claimed_at=now,
            email_attempts=F("email_attempts") + 1,
        )
    )


def _message(row: Notification) -> EmailMessage:
    url = absolute_link(settings.PLATFORM_URL, row.link)
    return EmailMessage(
        subject=email_subject(row.title),
        body=email_text(title=row.title, body=row.body, url=url),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient.email],
    )


def deliver_email(pk: int, *, now: datetime) -> str:
    """Try one row once; returns the outcome ("sent", "retry", "gave_up" or "skipped")."""
    if not _claim(pk, now):
        return "skipped"  # sent, not due, not wanted, or another worker has it
    row = Notification.objects.select_related("recipient").get(pk=pk)
    if not row.recipient.email or not row.recipient.is_active:
        # The address was cleared or the account disabled since the notice was written.
        Notification.objects.filter(pk=pk).update(email_status=EmailStatus.NOT_WANTED)
        return "skipped"
    try:
        sent = _message(row).send(fail_silently=False)
        if not sent:
            raise RuntimeError("the e-mail backend accepted no message")
    except Exception as exc:
        retry_at = next_attempt(
            now,
            row.email_attempts,
            max_attempts=settings.NOTIFY_EMAIL_MAX_ATTEMPTS,
            base_seconds=settings.NOTIFY_EMAIL_RETRY_SECONDS,
            cap_seconds=settings.NOTIFY_EMAIL_RETRY_CAP_SECONDS,
        )
        logger.warning(
            "notification %s e-mail attempt %s failed", pk, row.email_attempts, exc_info=True
        )
        Notification.objects.filter(pk=pk, email_status=EmailStatus.SENDING).update(
            email_status=EmailStatus.PENDING if retry_at else EmailStatus.GAVE_UP,
            email_next_attempt_at=retry_at,
            email_last_error=f"{type(exc).__name__}: {exc}"[:200],
        )
        if retry_at is not None:
            _schedule_retry(pk, retry_at)
        return "retry" if retry_at else "gave_up"
    Notification.objects.filter(pk=pk, email_status=EmailStatus.SENDING).update(
        email_status=EmailStatus.SENT, email_sent_at=now, email_last_error=""
    )
    return "sent"


def _schedule_retry(pk: int, retry_at: datetime) -> None:
    """With a backend that can defer (the database queue), the retry waits in the queue; with one
    that cannot (tests run tasks at once), the sweep picks the row up when it is due."""
    from dangjian.notifications.tasks import send_notification_emails

    if send_notification_emails.get_backend().supports_defer:
        send_notification_emails.using(run_after=retry_at).enqueue([pk])


def release_abandoned(now: datetime) -> int:
    """Rows a killed worker left ``sending`` go back to pending (see the module note)."""
    cutoff = now - timedelta(seconds=settings.NOTIFY_EMAIL_CLAIM_SECONDS)
    return Notification.objects.filter(
        email_status=EmailStatus.SENDING, email_claimed_at__lt=cutoff
    ).update(email_status=EmailStatus.PENDING, email_next_attempt_at=None)


def deliver_due(now: datetime, *, limit: int = 500) -> dict[str, int]:
    """The sweep: every pending row whose time has come, oldest first."""
    counts = {"released": release_abandoned(now), "sent": 0, "retry": 0, "gave_up": 0}
    due = (
        Notification.objects.filter(_due(now), email_status=EmailStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(due):
        outcome = deliver_email(pk, now=now)
        if outcome in counts:
            counts[outcome] += 1
    return counts
