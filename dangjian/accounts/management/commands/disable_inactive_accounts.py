from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dangjian.accounts.services import disable_inactive_accounts
from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.context import command_context


class Command(BaseCommand):
    help = "Disable accounts past their validity or unused for the policy's number of days."

    def handle(self, *args: Any, **options: Any) -> None:
        with command_context("disable_inactive_accounts"):
            names = disable_inactive_accounts(
                now=clock.now(), actor=SystemActor("disable_inactive_accounts")
            )
        self.stdout.write(f"已停用 {len(names)} 个账号：{', '.join(names) or '无'}")
