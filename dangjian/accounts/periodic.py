"""The accounts app's periodic job (run by the scheduler, ADR 0011): disabling accounts past
their validity or unused for the policy's number of days (等保: 及时清理多余账户)."""

from __future__ import annotations

from django.db import transaction

from dangjian.core.actors import SystemActor
from dangjian.core.scheduler import Cron, JobResult, PeriodicJob, RunContext, register


def disable_inactive(context: RunContext) -> JobResult:
    from dangjian.accounts.services import disable_inactive_accounts

    with transaction.atomic():
        names = disable_inactive_accounts(
            now=context.now, actor=SystemActor("disable_inactive_accounts")
        )
    return JobResult(
        counts={"disabled": len(names)}, message=f"已停用：{', '.join(names)}" if names else ""
    )


def register_jobs() -> None:
    register(
        PeriodicJob(
            "accounts.disable_inactive",
            "停用长期未使用或已过有效期的账号",
            Cron("10 1 * * *"),
            disable_inactive,
        )
    )
