"""Deleting import uploads that are no longer needed.

An upload holds ID numbers (encrypted, but still personal data): once a job has failed, been
refused as invalid or finished, its stored file is kept ``IMPORT_UPLOAD_RETENTION_DAYS`` after the
job's last activity so a retry stays possible, then its content is deleted so it stops reaching
backups. The job row and the stored file's row (name, digests, uploader) stay; a retry then says
the file must be uploaded again. Blobs no stored file refers to (a crash between blob and row, a
delete that failed) and progress files left by a killed import are removed too, after a grace
period that keeps a file being written right now safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce

from dangjian.core import audit
from dangjian.core.actors import SystemActor
from dangjian.core.context import command_context
from dangjian.core.files import services as stored_files
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.workbook.jobs import PROGRESS_DIR, UPLOAD_GONE_MESSAGE

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
RUNNING_STATUSES = (ImportStatus.VALIDATING, ImportStatus.IMPORTING)
ORPHAN_GRACE = stored_files.ORPHAN_GRACE


@dataclass(frozen=True)
class PurgeResult:
    jobs: int
    orphans: int

    @property
    def files(self) -> int:
        return self.jobs + self.orphans


def retention_period() -> timedelta:
    return timedelta(days=settings.IMPORT_UPLOAD_RETENTION_DAYS)


def _stale_scratch(now: datetime) -> list[Path]:
    """Progress files (and legacy upload files) past the grace period that no running job
    writes to any more."""
    folder = Path(settings.MEDIA_ROOT) / PROGRESS_DIR
    if not folder.is_dir():
        return []
    running = {
        f"job-{pk}"
        for pk in ImportJob.objects.filter(status__in=RUNNING_STATUSES).values_list("pk", flat=True)
    }
    cutoff = (now - ORPHAN_GRACE).timestamp()
    found = []
    for path in folder.iterdir():
        try:
            old_enough = path.stat().st_mtime < cutoff
        except OSError:
            continue  # removed meanwhile
        if path.is_file() and old_enough and path.name.split(".", 1)[0] not in running:
            found.append(path)
    return sorted(found)


def purge_expired_uploads(now: datetime, *, retention: timedelta | None = None) -> PurgeResult:
    """Delete expired uploads and orphan files; one audit entry per run that deleted anything.

    Rows are changed and audited in one transaction first, blobs deleted after it commits: a
    delete that fails leaves an orphan the next run removes, never a row pointing at nothing
    that claims a file is still there.
    """
    period = retention or retention_period()
    scratch = _stale_scratch(now)
    blobs = stored_files.find_orphans(now)
    with command_context("purge_import_uploads"), transaction.atomic():
        expired = list(
            ImportJob.objects.select_for_update(of=("self",))
            .alias(last_activity=Coalesce("heartbeat_at", "created_at"))
            .filter(
                status__in=FINISHED_STATUSES,
                last_activity__lt=now - period,
                upload__isnull=False,
                upload__purged_at__isnull=True,  # a finished import purges its own upload
            )
            .values_list("pk", "upload_id")
        )
        orphans = len(scratch) + len(blobs)
        if not expired and not orphans:
            return PurgeResult(jobs=0, orphans=0)
        ids = sorted(pk for pk, _ in expired)
        stored_files.purge([upload_id for _, upload_id in expired], now=now)
        ImportJob.objects.filter(pk__in=ids).exclude(status=ImportStatus.DONE).update(
            message=UPLOAD_GONE_MESSAGE
        )
        result = PurgeResult(jobs=len(expired), orphans=orphans)
        audit.record(
            "members.import.uploads_purged",
            actor=SystemActor("retention"),
            object_repr=f"删除过期导入文件 {result.files} 个",
            changes={
                "deleted_files": result.files,
                "expired_jobs": ids,
                "orphan_files": orphans,
                "retention_days": period.days,
            },
        )
        transaction.on_commit(lambda: _delete(scratch, blobs))
    return result


def _delete(scratch: list[Path], blobs: list[str]) -> None:
    for path in scratch:
        path.unlink(missing_ok=True)
    stored_files.delete_orphans(blobs)
