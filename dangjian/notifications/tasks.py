"""Background task of the outbox (run by ``manage.py job_worker``)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def send_notification_emails(notification_ids: list[int]) -> None:
    """Only row ids cross into the queue: the text stays in the database."""
    from dangjian.notifications.delivery import deliver_email

    now = timezone.now()
    for pk in notification_ids:
        deliver_email(pk, now=now)
