"""Uploads of finished import jobs are deleted after the retention period; orphans too."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangjian.core.files import services as stored_files
from dangjian.core.models import AuditEntry
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.tests.helpers import new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import jobs
from dangjian.members.workbook.retention import purge_expired_uploads

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 7
    return settings.MEDIA_ROOT


@pytest.fixture
def make_job(user, media):
    secretary = user("secretary1")
    upload = workbook([row("保留", new_id())])

    def make(status: str, *, days_ago: float) -> ImportJob:
        job = jobs.store_upload(
            upload, "a.xlsx", actor=secretary, org=secretary.grants.first().node
        )
        when = timezone.now() - timedelta(days=days_ago)
        ImportJob.objects.filter(pk=job.pk).update(status=status, heartbeat_at=when)
        job.refresh_from_db()
        return job

    return make


def _file(job: ImportJob) -> Path:
    from django.conf import settings

    assert job.upload is not None
    return Path(settings.MEDIA_ROOT) / job.upload.storage_name


def _old_file(path: Path, *, hours_ago: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    stamp = (timezone.now() - timedelta(hours=hours_ago)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_purge_deletes_old_finished_uploads_only_and_audits_once(
    make_job, media, django_capture_on_commit_callbacks
) -> None:
    failed_old = make_job(ImportStatus.FAILED, days_ago=8)
    invalid_old = make_job(ImportStatus.INVALID, days_ago=30)
    unreadable_old = make_job(ImportStatus.UNREADABLE, days_ago=30)
    done_old = make_job(ImportStatus.DONE, days_ago=8)
    done_purged = make_job(ImportStatus.DONE, days_ago=8)
    with django_capture_on_commit_callbacks(execute=True):
        # what a finished import normally does itself
        stored_files.purge([done_purged.upload_id], now=timezone.now())
    kept = [
        make_job(ImportStatus.FAILED, days_ago=6),  # still retryable
        make_job(ImportStatus.INVALID, days_ago=1),
        make_job(ImportStatus.VALID, days_ago=6),  # waiting for 确认导入
        make_job(ImportStatus.IMPORTING, days_ago=8),  # the stale-job sweep's business
        make_job(ImportStatus.UPLOADED, days_ago=1),
    ]
    abandoned = make_job(ImportStatus.VALID, days_ago=8)  # checked, never confirmed
    # A progress file a killed import left behind, and one a running import is writing.
    left_progress = _old_file(media / "imports" / f"job-{failed_old.pk}.progress", hours_ago=2)
    running_progress = _old_file(media / "imports" / f"job-{kept[3].pk}.progress", hours_ago=2)
    orphan = _old_file(media / "files" / "members.import_workbook" / "de" / "dead.bin", hours_ago=2)
    fresh_orphan = _old_file(
        media / "files" / "members.import_workbook" / "ca" / "cafe.bin", hours_ago=0.1
    )
    expired_files = [
        _file(job) for job in (failed_old, invalid_old, unreadable_old, done_old, abandoned)
    ]
    before = AuditEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        result = purge_expired_uploads(timezone.now())

    assert (result.jobs, result.orphans) == (5, 2)
    assert not any(path.exists() for path in [*expired_files, orphan, left_progress])
    assert fresh_orphan.exists() and running_progress.exists()
    assert all(_file(job).exists() for job in kept)
    for job in (failed_old, invalid_old, unreadable_old, done_old, abandoned):
        job.refresh_from_db()
        assert job.upload is not None and job.upload.purged_at is not None  # the rows stay
        assert not jobs.upload_present(job)
    assert failed_old.message == invalid_old.message == jobs.UPLOAD_GONE_MESSAGE
    assert failed_old.status == ImportStatus.FAILED  # the row stays as it was
    assert failed_old.upload.sha256 == failed_old.file_sha256  # what was uploaded stays known
    assert all(jobs.upload_present(job) for job in kept)
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq")[0]
    assert entry.action == "members.import.uploads_purged"
    assert entry.actor_username == "system:retention"
    assert entry.changes["deleted_files"] == 7
    assert entry.changes["expired_jobs"] == sorted(
        [failed_old.pk, invalid_old.pk, unreadable_old.pk, done_old.pk, abandoned.pk]
    )
    assert entry.changes["retention_days"] == 7

    with django_capture_on_commit_callbacks(execute=True):
        again = purge_expired_uploads(timezone.now())
    assert again.files == 0
    assert AuditEntry.objects.count() == before + 1  # nothing deleted, nothing audited


def test_a_purge_rolled_back_keeps_every_file(make_job) -> None:
    from django.db import transaction

    job = make_job(ImportStatus.FAILED, days_ago=10)
    with pytest.raises(RuntimeError), transaction.atomic():
        purge_expired_uploads(timezone.now())
        raise RuntimeError("the transaction fails after the purge")
    job.refresh_from_db()
    assert job.upload is not None and job.upload.purged_at is None
    assert _file(job).exists() and jobs.upload_present(job)


def test_retry_of_a_purged_job_says_the_file_must_be_uploaded_again(
    make_job, client_for, django_capture_on_commit_callbacks
) -> None:
    job = make_job(ImportStatus.FAILED, days_ago=10)
    with django_capture_on_commit_callbacks(execute=True):
        purge_expired_uploads(timezone.now())
    client = client_for("secretary1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/members/import/{job.pk}/retry/", follow=True)
    assert callbacks == []  # nothing enqueued
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "请重新上传文件" in response.content.decode()


def test_retry_with_the_file_still_there_is_enqueued(make_job) -> None:
    from unittest import mock

    job = make_job(ImportStatus.FAILED, days_ago=1)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=3)  # it had passed its check
    job.refresh_from_db()
    with mock.patch.object(jobs, "enqueue_import") as enqueue:
        jobs.retry(job, actor=job.created_by, now=timezone.now())
    enqueue.assert_called_once()


def test_retry_of_a_job_that_failed_during_its_check_checks_again(make_job) -> None:
    """Never imported unseen: the user confirms the preview of the new check as usual."""
    from unittest import mock

    job = make_job(ImportStatus.FAILED, days_ago=1)
    with (
        mock.patch.object(jobs, "enqueue_import") as enqueue_import,
        mock.patch.object(jobs, "enqueue_validation") as enqueue_validation,
    ):
        jobs.retry(job, actor=job.created_by, now=timezone.now())
    enqueue_validation.assert_called_once()
    enqueue_import.assert_not_called()
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.UPLOADED


def test_purge_command_reports_in_chinese(make_job, capsys) -> None:
    make_job(ImportStatus.INVALID, days_ago=9)
    call_command("purge_import_uploads")
    assert "已删除过期导入文件 1 个、无主文件 0 个（保留期限 7 天）" in capsys.readouterr().out
