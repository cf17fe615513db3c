"""Import jobs: the upload kept encrypted, validation, the import, stale-job recovery, retry.

Only the job id crosses into the background worker. The import is one transaction: a worker killed
mid-way leaves nothing behind, and the job (with a stale heartbeat) is marked failed and can be
retried. The preview's progress goes to the job row; the import's, from inside its transaction,
to a small local file that the progress page and the stale-job check read. The workbook itself
is a stored file (``dangjian.core.files``, purpose ``members.import_workbook``).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from dangjian.core import clock
from dangjian.core.context import command_context
from dangjian.core.files import services as stored_files
from dangjian.members.files import IMPORT_WORKBOOK
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.rules import echo
from dangjian.members.workbook import importer

logger = logging.getLogger("dangjian.members")

STALE_AFTER = timedelta(minutes=2)  # at least; see stale_after()


def stale_after() -> timedelta:
    """How long a job may go without a heartbeat before it counts as abandoned. The parse runs
    in a child and reports nothing until it ends, after waiting for a free parser slot: both
    may take up to IMPORT_PARSE_SECONDS, so a live job is never taken for a dead one."""
    waiting = timedelta(seconds=2 * settings.IMPORT_PARSE_SECONDS + 60)
    return max(STALE_AFTER, waiting)


def store_upload(
    data: bytes, original_name: str, *, actor: Any, org: Any, now: datetime | None = None
) -> ImportJob:
    """Keep the workbook as a stored file (encrypted, digests audited) and open its job."""
    with transaction.atomic():
        upload = stored_files.store(
            data,
            purpose=IMPORT_WORKBOOK.key,
            original_name=original_name,
            org=org,
            actor=actor,
            now=now or clock.now(),
        )
        try:
            return ImportJob.objects.create(
                org=org,
                created_by=actor,
                original_name=echo(original_name, 199),  # a file named after a person's ID
                upload=upload,
                file_sha256=upload.sha256,
            )
        except Exception:
            stored_files.remove_blob(upload)  # no row pointing at a file, no file without a row
            raise


def load_upload(job: ImportJob) -> bytes:
    if job.upload is None:
        raise stored_files.ContentGone(UPLOAD_GONE_MESSAGE)
    return stored_files.read(job.upload)


def _update(job: ImportJob, **fields: Any) -> None:
    fields["heartbeat_at"] = clock.now()
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _progress(job: ImportJob, offset: int = 0) -> Any:
    return lambda done: _update(job, processed_rows=offset + done)


PROGRESS_DIR = "imports"


def _live_path(job: ImportJob) -> Path:
    """Local scratch beside the web and job processes (not the file storage, which may be
    remote): written many times a second, read by the progress page."""
    folder = Path(settings.MEDIA_ROOT) / PROGRESS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"job-{job.pk}.progress"


def _live_progress(job: ImportJob) -> Any:
    """Progress from inside the import's transaction, where an update of the job row would stay
    invisible until the end (and SQLite admits one writer): a small file beside the upload,
    replaced atomically, read by the progress view and the stale-job check."""
    target = _live_path(job)

    def report(done: int) -> None:
        scratch = target.with_suffix(".tmp")
        scratch.write_text(str(done))
        # Stamped with the platform clock, which the stale check compares it with.
        stamp = clock.epoch_seconds()
        os.utime(scratch, (stamp, stamp))
        os.replace(scratch, target)

    return report


def live_rows(job: ImportJob) -> int | None:
    """Rows processed so far by a running import, when it has reported any."""
    try:
        return int(_live_path(job).read_text())
    except (OSError, ValueError):
        return None


def validate_job(job: ImportJob, *, actor: Any) -> importer.Report:
    _update(job, status=ImportStatus.VALIDATING, processed_rows=0)
    report = importer.validate(
        load_upload(job), actor=actor, progress=_progress(job), today=clock.today()
    )
    importer.record_check(
        report, actor=actor, file_sha256=job.file_sha256, original_name=job.original_name
    )
    if report.unreadable:
        _mark_unreadable(job, report)
    elif report.errors:
        _update(
            job,
            status=ImportStatus.INVALID,
            errors=report.errors[:2000],
            total_rows=report.total,
            processed_rows=report.total,
            message=f"发现 {len(report.errors)} 处错误，未写入任何数据",
        )
    else:
        _update(
            job,
            status=ImportStatus.VALID,
            errors=[],
            total_rows=report.total,
            processed_rows=report.total,
            message="",
        )
    return report


UNREADABLE_MESSAGE = "文件无法解析，未写入任何数据；重试也无法成功，请修正文件后重新上传"


def _mark_unreadable(job: ImportJob, report: importer.Report) -> None:
    """The parser failed on this file (crash, memory or time limit): kept apart from a failed
    run so that nobody retries it into the same wall."""
    _update(
        job,
        status=ImportStatus.UNREADABLE,
        errors=report.errors[:20],
        processed_rows=0,
        message=UNREADABLE_MESSAGE,
    )


def run_import(job: ImportJob) -> None:
    """Validate again while importing (the database may have changed since the preview)."""
    actor = job.created_by
    with command_context("import_members"):
        _update(job, status=ImportStatus.IMPORTING, processed_rows=0, message="")
        try:
            report, counts = importer.import_file(
                load_upload(job),
                actor=actor,
                now=clock.now(),
                file_sha256=job.file_sha256,
                original_name=job.original_name,
                progress=_live_progress(job),
            )
            if counts is None and report.unreadable:
                _mark_unreadable(job, report)
                _tell_uploader(job)
                return
            if counts is None:
                _update(
                    job,
                    status=ImportStatus.INVALID,
                    errors=report.errors[:2000],
                    message="数据已变化，重新校验发现错误，未写入任何数据",
                )
                _tell_uploader(job)
                return
            created, reactivated = counts
        except Exception as exc:
            _update(
                job,
                status=ImportStatus.FAILED,
                message=f"导入失败，未写入任何数据（{type(exc).__name__}），可重试",
            )
            _tell_uploader(job)
            raise
        finally:
            _live_path(job).unlink(missing_ok=True)
        _update(
            job,
            status=ImportStatus.DONE,
            created_count=created,
            reactivated_count=reactivated,
            processed_rows=report.total,
            finished_at=clock.now(),
            message="",
        )
        if job.upload_id is not None:
            stored_files.purge([job.upload_id], now=clock.now())  # no longer needed
        _tell_uploader(job)


def _tell_uploader(job: ImportJob, now: datetime | None = None) -> None:
    """The notice follows the job row's end state; failing to write it must not change that."""
    from dangjian.members.notices import import_ended

    try:
        import_ended(job, now=now or clock.now())
    except Exception:
        logger.exception("could not notify the uploader of import job %s", job.pk)


def enqueue_import(job: ImportJob) -> None:
    from dangjian.members.tasks import import_members

    _update(job, status=ImportStatus.IMPORTING, processed_rows=0)
    transaction.on_commit(lambda: import_members.enqueue(job.pk))


def enqueue_validation(job: ImportJob) -> None:
    from dangjian.members.tasks import validate_members

    _update(job, status=ImportStatus.VALIDATING, processed_rows=0)
    transaction.on_commit(lambda: validate_members.enqueue(job.pk))


def mark_stale_failed(now: datetime) -> int:
    """Jobs whose worker stopped reporting (killed, restarted) become failed and retryable. A
    running import reports through its progress file, so that counts as a heartbeat too."""
    cutoff = now - stale_after()
    candidates = ImportJob.objects.filter(
        status__in=[ImportStatus.IMPORTING, ImportStatus.VALIDATING], heartbeat_at__lt=cutoff
    )
    stale = [job.pk for job in candidates.only("pk") if not _reported_since(job, cutoff)]
    if not stale:
        return 0
    failed = ImportJob.objects.filter(pk__in=stale).update(
        status=ImportStatus.FAILED, message="导入进程已中断，未写入任何数据，可重试"
    )
    for job in ImportJob.objects.filter(pk__in=stale).select_related("created_by"):
        _tell_uploader(job, now)
    return failed


def _reported_since(job: ImportJob, cutoff: datetime) -> bool:
    try:
        changed = _live_path(job).stat().st_mtime
    except OSError:
        return False
    return changed >= cutoff.timestamp()


class CannotRetry(ValueError):
    """Why this job cannot run again; the message is for the user."""


def retry(job: ImportJob, *, actor: Any) -> None:
    if job.status == ImportStatus.UNREADABLE:
        raise CannotRetry(UNREADABLE_MESSAGE)
    if job.status != ImportStatus.FAILED:
        return
    if not upload_present(job):
        _update(job, message=UPLOAD_GONE_MESSAGE)
        return
    if job.total_rows == 0:
        # It failed before its check finished (a valid file has rows): check it again, and the
        # user confirms the preview as usual instead of importing unseen.
        _update(job, status=ImportStatus.UPLOADED, message="")
        enqueue_validation(job)
        return
    _update(job, status=ImportStatus.VALID, message="")
    enqueue_import(job)


UPLOAD_GONE_MESSAGE = "上传的文件已按保留期限删除，无法重试，请重新上传文件"


def upload_present(job: ImportJob) -> bool:
    """False once the retention purge (``workbook.retention``) has deleted the upload."""
    return stored_files.is_present(job.upload)
