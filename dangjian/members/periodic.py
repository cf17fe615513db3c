"""The members app's periodic jobs (run by the scheduler, ADR 0011): failing import jobs whose
worker died, deleting import uploads past their retention, and recording transfer letters past
their validity as 已过期."""

from __future__ import annotations

import logging

from django.utils import timezone

from dangjian.core.scheduler import Cron, Every, JobResult, PeriodicJob, RunContext, register

logger = logging.getLogger("dangjian.members")


def fail_stale_imports(context: RunContext) -> JobResult:
    from dangjian.members.workbook.jobs import mark_stale_failed

    failed = mark_stale_failed(context.now)
    if failed:
        logger.warning("%s import job(s) without a heartbeat marked failed", failed)
    return JobResult(counts={"failed": failed})


def purge_uploads(context: RunContext) -> JobResult:
    from dangjian.members.workbook.retention import purge_expired_uploads

    result = purge_expired_uploads(context.now)
    return JobResult(counts={"expired_jobs": result.jobs, "orphan_files": result.orphans})


def expire_letters(context: RunContext) -> JobResult:
    from dangjian.members.movements import expire_overdue_letters

    # The county's day at the moment the run is for; a letter valid through yesterday expires.
    today = timezone.localdate(context.now)
    return JobResult(counts={"expired": expire_overdue_letters(today=today, now=context.now)})


def register_jobs() -> None:
    # A job whose worker died is failed once its heartbeat is older than jobs.stale_after();
    # looking every minute keeps that within a minute more.
    register(
        PeriodicJob(
            "members.stale_imports", "中断的导入任务标记为失败", Every(60), fail_stale_imports
        )
    )
    register(
        PeriodicJob("members.purge_uploads", "清理过期导入文件", Cron("15 * * * *"), purge_uploads)
    )
    # Pages already show a pending letter past validity as expired; the job records it (audited,
    # on the member's timeline) shortly after midnight, or on the next run after downtime.
    register(
        PeriodicJob(
            "members.expire_letters", "转出介绍信过期处理", Cron("5 0 * * *"), expire_letters
        )
    )
