"""Import jobs: the upload kept encrypted, validation, the import, stale-job recovery, retry.

Every status change is a step of ``members.flows.IMPORT_JOB`` taken through
``core.workflow.transition`` (compare-and-swap on the status, a transition row, an audit entry);
``_update`` writes only progress, never the status.

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
from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import clock
from dangjian.core.actors import Actor, SystemActor
from dangjian.core.context import command_context
from dangjian.core.files import services as stored_files
from dangjian.core.scoping import require_permits_on
from dangjian.core.workflow import transition
from dangjian.members.files import IMPORT_WORKBOOK
from dangjian.members.flows import IMPORT_JOB
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.permissions import MemberAction
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
    data: bytes, original_name: str, *, actor: Actor, org: Any, now: datetime | None = None
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
                created_by=actor,  # type: ignore[misc]  # people upload workbooks (the import page)
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


# The import job's outcomes are the machine's verdict, whoever started the run (ADR 0014).
IMPORT_RUNNER = SystemActor("members.import")
SWEEPER = SystemActor("members.stale_imports")


def _step(job: ImportJob, action: str, *, actor: Actor, **fields: Any) -> None:
    transition(job, action, actor=actor, now=clock.now(), fields=fields)


def validate_job(job: ImportJob, *, actor: Actor) -> importer.Report:
    """Validate the upload, from UPLOADED (in the request) or VALIDATING (the worker, after
    ``enqueue_validation``); the outcome is VALID, INVALID or UNREADABLE."""
    if job.status == ImportStatus.UPLOADED:
        _step(job, "validate", actor=actor, processed_rows=0)
    report = importer.validate(
        load_upload(job), actor=actor, progress=_progress(job), today=clock.today()
    )
    importer.record_check(
        report, actor=actor, file_sha256=job.file_sha256, original_name=job.original_name
    )
    if report.unreadable:
        _mark_unreadable(job, report)
    elif report.errors:
        _step(
            job,
            "refuse",
            actor=IMPORT_RUNNER,
            errors=report.errors[:2000],
            total_rows=report.total,
            processed_rows=report.total,
            message=f"发现 {len(report.errors)} 处错误，未写入任何数据",
        )
    else:
        _step(
            job,
            "pass",
            actor=IMPORT_RUNNER,
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
    _step(
        job,
        "unreadable",
        actor=IMPORT_RUNNER,
        errors=report.errors[:20],
        processed_rows=0,
        message=UNREADABLE_MESSAGE,
    )


def run_import(job: ImportJob) -> None:
    """Import a job already moved to IMPORTING (``confirm_import`` or ``retry``), validating
    again while importing (the database may have changed since the preview).

    The rows and the DONE step share one transaction: if the job left IMPORTING meanwhile (the
    stale-job sweep failed it), the step is refused and the rows roll back with it."""
    actor = job.created_by
    with command_context("import_members"):
        try:
            with transaction.atomic():
                report, counts = importer.import_file(
                    load_upload(job),
                    actor=actor,
                    now=clock.now(),
                    file_sha256=job.file_sha256,
                    original_name=job.original_name,
                    progress=_live_progress(job),
                )
                if counts is not None:
                    created, reactivated = counts
                    _step(
                        job,
                        "finish",
                        actor=IMPORT_RUNNER,
                        created_count=created,
                        reactivated_count=reactivated,
                        processed_rows=report.total,
                        message="",
                    )
            if counts is None and report.unreadable:
                _mark_unreadable(job, report)
                _tell_uploader(job)
                return
            if counts is None:
                _step(
                    job,
                    "refuse",
                    actor=IMPORT_RUNNER,
                    errors=report.errors[:2000],
                    message="数据已变化，重新校验发现错误，未写入任何数据",
                )
                _tell_uploader(job)
                return
        except Exception as exc:
            _fail_after(job, exc)
            _tell_uploader(job)
            raise
        finally:
            _live_path(job).unlink(missing_ok=True)
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


def _fail_after(job: ImportJob, exc: Exception) -> None:
    message = f"导入失败，未写入任何数据（{type(exc).__name__}），可重试"
    try:
        _step(job, "fail", actor=IMPORT_RUNNER, message=message)
    except ValidationError:
        # Already out of IMPORTING (the sweep failed it first): the original error is the news.
        logger.warning("import job %s left IMPORTING before its failure was recorded", job.pk)


def enqueue_import(job: ImportJob) -> None:
    """Hand the job (already IMPORTING) to the worker once the current transaction commits."""
    from dangjian.members.tasks import import_members

    transaction.on_commit(lambda: import_members.enqueue(job.pk))


@transaction.atomic
def confirm_import(job: ImportJob, *, actor: Actor, now: datetime, background: bool) -> None:
    """确认导入: VALID → IMPORTING, once. Of two near-simultaneous confirms the second is told
    the state changed (``ValidationError``). In the background the worker runs the import after
    commit; otherwise the caller calls ``run_import`` next."""
    require_permits_on(actor, MemberAction.IMPORT, job.org)
    IMPORT_JOB.check_state(job.status, "confirm")  # a finished job says so, not "file gone"
    transition(job, "confirm", actor=actor, now=now, fields={"processed_rows": 0, "message": ""})
    # After the step, under its lock: a concurrent confirm has already been told the state
    # changed. An upload purged as abandoned (checked, never confirmed) undoes the step.
    if not upload_present(job):
        raise ValidationError({"__all__": CONFIRM_GONE_MESSAGE})
    if background:
        enqueue_import(job)


@transaction.atomic
def enqueue_validation(job: ImportJob, *, actor: Actor, now: datetime) -> None:
    """UPLOADED → VALIDATING, then the worker checks the file once this transaction commits."""
    from dangjian.members.tasks import validate_members

    require_permits_on(actor, MemberAction.IMPORT, job.org)
    transition(job, "validate", actor=actor, now=now, fields={"processed_rows": 0})
    transaction.on_commit(lambda: validate_members.enqueue(job.pk))


STALE_MESSAGE = "导入进程已中断，未写入任何数据，可重试"


def mark_stale_failed(now: datetime) -> int:
    """Jobs whose worker stopped reporting (killed, restarted) become failed and retryable. A
    running import reports through its progress file, so that counts as a heartbeat too. Run
    by the scheduler's ``members.stale_imports`` job, never by a page."""
    cutoff = now - stale_after()
    candidates = ImportJob.objects.filter(
        status__in=[ImportStatus.IMPORTING, ImportStatus.VALIDATING], heartbeat_at__lt=cutoff
    ).select_related("org", "created_by")
    failed = 0
    for job in candidates:
        if _reported_since(job, cutoff):
            continue
        try:
            transition(job, "fail", actor=SWEEPER, now=now, fields={"message": STALE_MESSAGE})
        except ValidationError:
            continue  # it finished (or failed) between the query and the step
        failed += 1
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


@transaction.atomic
def retry(job: ImportJob, *, actor: Actor, now: datetime) -> None:
    require_permits_on(actor, MemberAction.IMPORT, job.org)
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
        transition(job, "recheck", actor=actor, now=now, fields={"message": ""})
        enqueue_validation(job, actor=actor, now=now)
        return
    transition(job, "retry", actor=actor, now=now, fields={"processed_rows": 0, "message": ""})
    enqueue_import(job)


UPLOAD_GONE_MESSAGE = "上传的文件已按保留期限删除，无法重试，请重新上传文件"
CONFIRM_GONE_MESSAGE = "上传的文件已按保留期限删除，无法导入，请重新上传文件"


def upload_present(job: ImportJob) -> bool:
    """False once the retention purge (``workbook.retention``) has deleted the upload."""
    return stored_files.is_present(job.upload)
