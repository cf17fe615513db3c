"""Uploads of finished import jobs are deleted after the retention period; orphans too."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangjian.core.models import AuditEntry
from dangjian.members.models import ImportJob, ImportStatus
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

    def make(status: str, *, days_ago: float) -> ImportJob:
        job = jobs.store_upload(
            b"encrypted workbook", "a.xlsx", actor=secretary, org=secretary.grants.first().node
        )
        when = timezone.now() - timedelta(days=days_ago)
        ImportJob.objects.filter(pk=job.pk).update(status=status, heartbeat_at=when)
        job.refresh_from_db()
        return job

    return make


def _file(job: ImportJob) -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / job.stored_path


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
    done_without_file = make_job(ImportStatus.DONE, days_ago=8)
    _file(done_without_file).unlink()  # what a finished import normally does itself
    kept = [
        make_job(ImportStatus.FAILED, days_ago=6),  # still retryable
        make_job(ImportStatus.INVALID, days_ago=1),
        make_job(ImportStatus.VALID, days_ago=8),  # waiting for 确认导入
        make_job(ImportStatus.IMPORTING, days_ago=8),  # the stale-job sweep's business
        make_job(ImportStatus.UPLOADED, days_ago=8),
    ]
    sidecar = _file(failed_old).with_suffix(".progress")
    sidecar.write_text("12")
    orphan = _old_file(media / "imports" / "deadbeef.bin", hours_ago=2)
    fresh_orphan = _old_file(media / "imports" / "cafe.bin", hours_ago=0.1)  # being stored now
    expired_files = [
        _file(failed_old),
        _file(invalid_old),
        _file(unreadable_old),
        _file(done_old),
        sidecar,
    ]
    before = AuditEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        result = purge_expired_uploads(timezone.now())

    assert (result.jobs, result.orphans) == (4, 1)
    assert not any(path.exists() for path in [*expired_files, orphan])
    assert fresh_orphan.exists()
    assert all(_file(job).exists() for job in kept)
    for job in (failed_old, invalid_old, unreadable_old, done_old):
        job.refresh_from_db()
        assert job.stored_path == ""
    assert failed_old.message == invalid_old.message == jobs.UPLOAD_GONE_MESSAGE
    assert failed_old.status == ImportStatus.FAILED  # the row stays as it was
    done_without_file.refresh_from_db()
    assert done_without_file.stored_path  # nothing deleted, so not counted or changed
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq")[0]
    assert entry.action == "members.import.uploads_purged"
    assert entry.changes["deleted_files"] == 5
    assert entry.changes["expired_jobs"] == sorted(
        [failed_old.pk, invalid_old.pk, unreadable_old.pk, done_old.pk]
    )
    assert entry.changes["retention_days"] == 7

    with django_capture_on_commit_callbacks(execute=True):
        again = purge_expired_uploads(timezone.now())
    assert again.files == 0
    assert AuditEntry.objects.count() == before + 1  # nothing deleted, nothing audited


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
    with mock.patch.object(jobs, "enqueue_import") as enqueue:
        jobs.retry(job, actor=job.created_by, now=timezone.now())
    enqueue.assert_called_once()


def test_purge_command_reports_in_chinese(make_job, capsys) -> None:
    make_job(ImportStatus.INVALID, days_ago=9)
    call_command("purge_import_uploads")
    assert "已删除过期导入文件 1 个、无主文件 0 个（保留期限 7 天）" in capsys.readouterr().out
