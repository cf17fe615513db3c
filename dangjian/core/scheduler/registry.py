"""The periodic jobs of the platform, each declared by the app that owns it.

An app registers its jobs from its ``AppConfig.ready()``; ``core`` knows none of them by name
(the scheduler loop, the command and the jobs page read this registry)::

    from dangjian.core.scheduler import Cron, PeriodicJob, register

    register(PeriodicJob("members.purge_uploads", "清理过期导入文件", Cron("15 * * * *"), purge))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured

from dangjian.core.scheduler.rules import Schedule, describe


@dataclass(frozen=True)
class RunContext:
    """What a job is told about its run. ``slot`` is the scheduled moment it runs for (``None``
    for a manual run): a job that names its output by slot is idempotent across retries."""

    now: datetime
    slot: datetime | None
    trigger: str  # "schedule" or "manual" (models.RunTrigger)


@dataclass(frozen=True)
class JobResult:
    """What a run reports: counts for the jobs page, a short Chinese message, and whether the
    job found nothing to do for this slot (``skipped``: the work was already done)."""

    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""
    skipped: bool = False


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # stable key stored with every run: "<app>.<job>"
    label: str  # Chinese, for the jobs page
    schedule: Schedule
    run: Callable[[RunContext], JobResult | None]
    # How long a run may hold its lease. A runner that dies mid-run blocks the job this long,
    # then another runner takes over; a run must finish well within it.
    lease_seconds: int = 600

    @property
    def schedule_text(self) -> str:
        return describe(self.schedule)


_jobs: dict[str, PeriodicJob] = {}


def register(job: PeriodicJob) -> PeriodicJob:
    known = _jobs.get(job.name)
    if known is not None and known != job:
        raise ImproperlyConfigured(f"periodic job {job.name!r} is registered twice")
    if job.lease_seconds <= 0:
        raise ImproperlyConfigured(f"periodic job {job.name!r} needs a positive lease")
    _jobs[job.name] = job
    return job


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def get_job(name: str) -> PeriodicJob | None:
    return _jobs.get(name)
