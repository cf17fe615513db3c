"""The platform's scheduler: periodic jobs declared by their apps, run by ``manage.py
scheduler`` under a database lease per job, every run recorded (ADR 0011)."""

from dangjian.core.scheduler.registry import (
    JobResult,
    PeriodicJob,
    RunContext,
    get_job,
    register,
    registered_jobs,
)
from dangjian.core.scheduler.rules import Cron, Every

__all__ = [
    "Cron",
    "Every",
    "JobResult",
    "PeriodicJob",
    "RunContext",
    "get_job",
    "register",
    "registered_jobs",
]
