"""Deleting import uploads that are no longer needed.

An upload holds ID numbers (encrypted, but still personal data): once a job has failed, been
refused as invalid or finished, its file is kept ``IMPORT_UPLOAD_RETENTION_DAYS`` after the job's
last activity so a retry stays possible, then deleted so it stops reaching backups. The job row
stays, with an empty ``stored_path``; a retry then says the file must be uploaded again. Files in
the upload folder that no row refers to (a crash between writing the file and the row, a delete
that failed) are removed too, after a grace period that keeps a file being stored right now safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce

from dangjian.core import audit
from dangjian.core.context import command_context
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.workbook.jobs import UPLOAD_GONE_MESSAGE

# Statuses whose upload is no longer on its way through validation or import.
# An upload checked but never confirmed (or never checked) holds ID numbers just the same: it
# goes after the same period of inactivity.
FINISHED_STATUSES = (
    ImportStatus.FAILED,
    ImportStatus.INVALID,
    ImportStatus.UNREADABLE,
    ImportStatus.DONE,
    ImportStatus.VALID,
    ImportStatus.UPLOADED,
)
UPLOAD_DIR = "imports"
ORPHAN_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class PurgeResult:
    jobs: int
    orphans: int

    @property
    def files(self) -> int:
        return self.jobs + self.orphans


def retention_period() -> timedelta:
    return timedelta(days=settings.IMPORT_UPLOAD_RETENTION_DAYS)


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def _stem(relative_or_name: str) -> str:
    """``imports/ab12.bin`` and its sidecars ``ab12.progress``, ``ab12.tmp`` share ``ab12``."""
    return Path(relative_or_name).name.split(".", 1)[0]


def _files_of(stem: str) -> list[Path]:
    return sorted(_upload_dir().glob(f"{stem}.*"))


def _orphans(now: datetime) -> list[Path]:
    folder = _upload_dir()
    if not folder.is_dir():
        return []
    referenced = {
        _stem(path)
        for path in ImportJob.objects.exclude(stored_path="").values_list("stored_path", flat=True)
    }
    cutoff = (now - ORPHAN_GRACE).timestamp()
    found = []
    for path in folder.iterdir():
        try:
            old_enough = path.stat().st_mtime < cutoff
        except OSError:
            continue  # removed meanwhile
        if path.is_file() and old_enough and _stem(path.name) not in referenced:
            found.append(path)
    return sorted(found)


def purge_expired_uploads(now: datetime, *, retention: timedelta | None = None) -> PurgeResult:
    """Delete expired uploads and orphan files; one audit entry per run that deleted anything.

    Rows are changed and audited in one transaction first, files deleted after it commits: a
    delete that fails leaves an orphan the next run removes, never a row pointing at nothing
    that claims a file is still there.
    """
    period = retention or retention_period()
    orphans = _orphans(now)
    with command_context("purge_import_uploads"), transaction.atomic():
        candidates = (
            ImportJob.objects.select_for_update()
            .alias(last_activity=Coalesce("heartbeat_at", "created_at"))
            .filter(status__in=FINISHED_STATUSES, last_activity__lt=now - period)
            .exclude(stored_path="")
            .values_list("pk", "stored_path")
        )
        # A finished import deletes its own upload; only rows whose file is still there count.
        expired = [(pk, path) for pk, path in candidates if _files_of(_stem(path))]
        if not expired and not orphans:
            return PurgeResult(jobs=0, orphans=0)
        ids = [pk for pk, _ in expired]
        ImportJob.objects.filter(pk__in=ids).exclude(status=ImportStatus.DONE).update(
            stored_path="", message=UPLOAD_GONE_MESSAGE
        )
        ImportJob.objects.filter(pk__in=ids, status=ImportStatus.DONE).update(stored_path="")
        result = PurgeResult(jobs=len(expired), orphans=len(orphans))
        audit.record(
            "members.import.uploads_purged",
            actor=None,
            username="system:retention",
            object_repr=f"删除过期导入文件 {result.files} 个",
            changes={
                "deleted_files": result.files,
                "expired_jobs": sorted(ids),
                "orphan_files": len(orphans),
                "retention_days": period.days,
            },
        )
        stems = [_stem(stored_path) for _, stored_path in expired]
        transaction.on_commit(
            lambda: _delete([*orphans, *(p for s in stems for p in _files_of(s))])
        )
    return result


def _delete(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
