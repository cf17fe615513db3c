"""``manage.py send_notification_emails``: the retry sweep of the notification outbox."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dangjian.core import clock
from dangjian.core.context import command_context
from dangjian.notifications.delivery import deliver_due


class Command(BaseCommand):
    help = (
        "Send every notification e-mail that is due (first attempts the queue missed, retries "
        "after failures); safe to run at any time and from several nodes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with command_context("send_notification_emails"):
            counts = deliver_due(clock.now())
        self.stdout.write(
            "已发送 {sent} 封，待重试 {retry} 封，放弃 {gave_up} 封，收回中断 {released} 封".format(
                **counts
            )
        )
