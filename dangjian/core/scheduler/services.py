"""Running periodic jobs under a database lease, recording every run, and the "立即运行" request.

Nothing here reads the clock: the loop passes ``clock`` (``timezone.now`` in production), so
tests drive the scheduler through any day they like.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from dangjian.core import audit
from dangjian.core.actors import Actor, actor_name
from dangjian.core.context import command_context
from dangjian.core.permissions import Action
from dangjian.core.scheduler.models import RunOutcome, RunTrigger, ScheduledJob, ScheduledRun
from dangjian.core.scheduler.registry import JobResult, PeriodicJob, RunContext
from dangjian.core.scheduler.rules import due_slot, latest_slot
from dangjian.core.scoping import require_anywhere

logger = logging.getLogger("dangjian.scheduler")

Clock = Callable[[], datetime]
MESSAGE_LIMIT = 2000
ABANDONED_MESSAGE = "运行中断：执行进程在完成前退出，租约到期后由调度进程接手"


@dataclass(frozen=True)
class Attempt:
    """Why a runner wants a job now: the scheduled slot it is due for, a manual request, or
    both (a due job that was also requested runs once and satisfies both)."""

    slot: datetime | None
    requested: bool

    @property
    def trigger(self) -> RunTrigger:
        return RunTrigger.SCHEDULE if self.slot is not None else RunTrigger.MANUAL


def ensure_job_rows(jobs: Iterable[PeriodicJob], *, now: datetime) -> dict[str, ScheduledJob]:
    """Every registered job's row, created on first sight with the latest slot as its starting
    point: a newly installed job first runs at its next slot, not the moment it appears."""
    jobs = list(jobs)
    rows = {row.name: row for row in ScheduledJob.objects.filter(name__in=[j.name for j in jobs])}
    missing = [
        ScheduledJob(name=job.name, last_slot=latest_slot(job.schedule, now))
        for job in jobs
        if job.name not in rows
    ]
    if missing:
        # Another runner may create the same rows at the same moment; theirs are as good.
        ScheduledJob.objects.bulk_create(missing, ignore_conflicts=True)
        rows = {r.name: r for r in ScheduledJob.objects.filter(name__in=[j.name for j in jobs])}
    return rows


def attempt_for(job: PeriodicJob, row: ScheduledJob, *, now: datetime) -> Attempt | None:
    slot = due_slot(job.schedule, last_slot=row.last_slot, now=now)
    requested = row.run_requested_at is not None
    if slot is None and not requested:
        return None
    return Attempt(slot=slot, requested=requested)


def acquire_lease(job: PeriodicJob, attempt: Attempt, *, holder: str, now: datetime) -> bool:
    """Take the job's lease with one conditional UPDATE: only while the lease is free or
    expired and the job is still wanted (its slot not yet run, or a request still pending).
    On PostgreSQL a second UPDATE waiting on the row re-checks these conditions after the first
    commits; SQLite runs writers one at a time. Either way exactly one runner gets the row."""
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    wanted = Q()
    if attempt.slot is not None:
        wanted |= Q(last_slot__isnull=True) | Q(last_slot__lt=attempt.slot)
    if attempt.requested:
        wanted |= Q(run_requested_at__isnull=False)
    taken = ScheduledJob.objects.filter(free, wanted, name=job.name).update(
        holder=holder, lease_expires_at=now + timedelta(seconds=job.lease_seconds)
    )
    return taken == 1


def _release(job: PeriodicJob, attempt: Attempt, *, holder: str, started: datetime) -> None:
    changes: dict[str, Any] = {"holder": "", "lease_expires_at": None}
    if attempt.slot is not None:
        changes["last_slot"] = attempt.slot
    # Only our own lease: if it expired and another runner took over, theirs stands.
    ScheduledJob.objects.filter(name=job.name, holder=holder).update(**changes)
    # The run answered every request made before it started; a later one stays pending.
    ScheduledJob.objects.filter(name=job.name, run_requested_at__lte=started).update(
        run_requested_at=None, run_requested_by=""
    )


def _execute(job: PeriodicJob, context: RunContext) -> tuple[str, JobResult]:
    try:
        with command_context(f"scheduler-{job.name}"):
            result = job.run(context) or JobResult()
    except Exception as exc:  # any failure is recorded; the loop goes on
        logger.exception("periodic job failed: %s", job.name, extra={"job": job.name})
        return RunOutcome.FAILED, JobResult(message=f"{type(exc).__name__}: {exc}")
    return (RunOutcome.SKIPPED if result.skipped else RunOutcome.OK), result


def run_job(
    job: PeriodicJob, attempt: Attempt, *, holder: str, clock: Clock
) -> ScheduledRun | None:
    """Run the job once if this runner gets its lease; ``None`` when another runner has it (or
    has just run it). The run row is written before the job starts, so a run whose process
    dies stays visible, and is marked abandoned when the lease is next taken."""
    started = clock()
    if not acquire_lease(job, attempt, holder=holder, now=started):
        return None
    ScheduledRun.objects.filter(job=job.name, outcome=RunOutcome.RUNNING).update(
        outcome=RunOutcome.FAILED, finished_at=started, message=ABANDONED_MESSAGE
    )
    run = ScheduledRun.objects.create(
        job=job.name,
        slot=attempt.slot,
        trigger=attempt.trigger,
        holder=holder,
        started_at=started,
        outcome=RunOutcome.RUNNING,
    )
    outcome: str = RunOutcome.FAILED
    result = JobResult(message="未知错误")
    try:
        outcome, result = _execute(
            job, RunContext(now=started, slot=attempt.slot, trigger=attempt.trigger)
        )
    finally:
        run.outcome = outcome
        run.finished_at = clock()
        run.counts = {str(k): int(v) for k, v in result.counts.items()}
        run.message = result.message[:MESSAGE_LIMIT]
        run.save(update_fields=["outcome", "finished_at", "counts", "message"])
        _release(job, attempt, holder=holder, started=started)
    log = logger.error if outcome == RunOutcome.FAILED else logger.info
    log(
        "periodic job %s: %s",
        job.name,
        outcome,
        extra={"job": job.name, "outcome": str(outcome), "counts": run.counts},
    )
    return run


def run_due_jobs(jobs: Iterable[PeriodicJob], *, holder: str, clock: Clock) -> list[ScheduledRun]:
    """One pass of the scheduler: every due or requested job this runner gets the lease of,
    one after another. A failing job is recorded and the others still run."""
    jobs = list(jobs)
    rows = ensure_job_rows(jobs, now=clock())
    runs = []
    for job in jobs:
        row = rows.get(job.name)
        if row is None:
            continue
        attempt = attempt_for(job, row, now=clock())
        if attempt is None:
            continue
        run = run_job(job, attempt, holder=holder, clock=clock)
        if run is not None:
            runs.append(run)
    return runs


def request_run(job: PeriodicJob, *, actor: Actor, now: datetime) -> ScheduledJob:
    """ "立即运行": ask the scheduler to run the job on its next pass (within seconds), under the
    same lease as a scheduled run; the request is audited. The web never runs a job itself:
    a backup or a chain walk must not tie up a web worker."""
    require_anywhere(actor, Action.SCHEDULER_RUN)
    with transaction.atomic():
        row, _ = ScheduledJob.objects.get_or_create(
            name=job.name, defaults={"last_slot": latest_slot(job.schedule, now)}
        )
        ScheduledJob.objects.filter(pk=row.pk).update(
            run_requested_at=now, run_requested_by=actor_name(actor)
        )
        audit.record(
            "scheduler.run_requested",
            actor=actor,
            obj=row,
            object_repr=job.label,
            changes={"job": job.name},
        )
    row.refresh_from_db()
    return row


def prune_runs(*, now: datetime, keep_days: int) -> int:
    """Delete finished runs older than ``keep_days``; a running one is never deleted."""
    cutoff = now - timedelta(days=keep_days)
    deleted, _ = (
        ScheduledRun.objects.filter(started_at__lt=cutoff).exclude(outcome=RunOutcome.RUNNING)
    ).delete()
    return deleted
