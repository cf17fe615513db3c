"""The outbox's periodic job (run by the scheduler, ADR 0011): e-mails that are due — first
attempts the task queue missed, retries after failures, rows a killed worker left half-sent."""

from __future__ import annotations

from dangjian.core.scheduler import Every, JobResult, PeriodicJob, RunContext, register


def send_due_emails(context: RunContext) -> JobResult:
    from dangjian.notifications.delivery import deliver_due

    return JobResult(counts=deliver_due(context.now))


def register_jobs() -> None:
    register(
        PeriodicJob("notifications.send_emails", "发送到期的通知邮件", Every(300), send_due_emails)
    )
