"""Background task of the outbox (run by ``manage.py job_worker``)."""

from __future__ import annotations

from django_tasks import task

from dangjian.core import clock


@task()
def send_notification_emails(notification_ids: list[int]) -> None:
    """Only row ids cross into the queue: the text stays in the database."""
    from dangjian.notifications.delivery import deliver_email

    now = clock.now()
    for pk in notification_ids:
        deliver_email(pk, now=now)
