"""The platform's own periodic jobs: the nightly audit chain verification, the nightly backup
and pruning old run records. Registered from ``CoreConfig.ready()``; domain apps register theirs
from their own ``ready()``."""

from __future__ import annotations

import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from dangjian.core.backup import MANIFEST
from dangjian.core.scheduler.registry import JobResult, PeriodicJob, RunContext, register
from dangjian.core.scheduler.rules import Cron
from dangjian.core.scheduler.services import prune_runs

# Names the backup command and the nightly job give their directories.
_BACKUP_NAME = re.compile(r"^(scheduled-)?\d{8}T\d{6}Z$")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[-2:])


def verify_audit_job(context: RunContext) -> JobResult:
    """What an operator's ``manage.py verify_audit`` does: flush closed denial windows, walk the
    chain, check the last checkpoint, append a new one. A broken chain raises, so the run is
    recorded as failed and logged at ERROR."""
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=out)
    return JobResult(message=_last_line(out.getvalue()))


def scheduled_backup_dir(slot: datetime) -> Path:
    return Path(settings.BACKUP_DIR) / f"scheduled-{slot.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _finished_backups() -> list[Path]:
    root = Path(settings.BACKUP_DIR)
    if not root.is_dir():
        return []
    found = [
        path
        for path in root.iterdir()
        if path.is_dir() and _BACKUP_NAME.match(path.name) and (path / MANIFEST).is_file()
    ]
    # Both name forms end in the UTC timestamp, so this orders them by time taken.
    return sorted(found, key=lambda path: path.name.removeprefix("scheduled-"))


def prune_backups(keep: int) -> int:
    """Delete all but the newest ``keep`` complete backups the platform named itself; anything
    else in the folder (an operator's own copy, a partial one) is left alone."""
    backups = _finished_backups()
    doomed = backups[:-keep] if keep > 0 else []
    for path in doomed:
        shutil.rmtree(path)
    return len(doomed)


def backup_job(context: RunContext) -> JobResult:
    """The nightly backup, named by its slot: a retry of the same night (the run died after the
    backup was complete) finds it there and skips, so one night never leaves two copies."""
    if context.slot is not None:
        target = scheduled_backup_dir(context.slot)
        if (target / MANIFEST).is_file():
            return JobResult(message=f"本时段的备份已存在：{target.name}", skipped=True)
    else:
        target = Path(settings.BACKUP_DIR) / f"{context.now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    out = io.StringIO()
    call_command("backup", "--output", str(target), stdout=out)
    pruned = prune_backups(settings.BACKUP_KEEP)
    return JobResult(counts={"pruned": pruned}, message=f"备份完成：{target.name}")


def prune_runs_job(context: RunContext) -> JobResult:
    deleted = prune_runs(now=context.now, keep_days=settings.SCHEDULER_RUN_RETENTION_DAYS)
    return JobResult(counts={"deleted": deleted})


def register_core_jobs() -> None:
    register(
        PeriodicJob(
            "core.verify_audit",
            "审计日志校验并写入检查点",
            Cron("30 2 * * *"),
            verify_audit_job,
            lease_seconds=4 * 3600,
        )
    )
    register(
        PeriodicJob(
            "core.backup", "数据库与文件备份", Cron("0 3 * * *"), backup_job, lease_seconds=4 * 3600
        )
    )
    register(
        PeriodicJob("core.prune_runs", "清理过期的定时任务记录", Cron("40 3 * * *"), prune_runs_job)
    )
