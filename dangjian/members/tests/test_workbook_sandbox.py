"""The workbook parser runs in a child process: a crash, a runaway or an exhausted memory limit
costs the child, never the web or job worker, and becomes a Chinese error with nothing written."""

from __future__ import annotations

import io
import os
import pickle
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.core.models import AuditEntry
from dangjian.members.models import ImportJob, ImportStatus, Member
from dangjian.members.tests.workbooks import row, with_sheet_data, workbook
from dangjian.members.workbook import jobs, reader, sandbox

pytestmark = pytest.mark.django_db


def _dense() -> bytes:
    """A header at A1 and one value at AZ1048576: the parser would build a 52 × 1,048,576 range
    (about 1.7 GB and several seconds). The extent check refuses it at upload; here it is handed
    to the parser directly, as a file the check missed would be."""
    return with_sheet_data('<row r="1048576"><c r="AZ1048576"><v>1</v></c></row>')


def _counts() -> tuple[int, int]:
    # Keeping an upload is audited on its own ("files.stored", see dangjian/core/files tests).
    return Member.objects.count(), AuditEntry.objects.exclude(action="files.stored").count()


def test_a_parser_out_of_memory_is_contained(settings) -> None:
    settings.IMPORT_PARSE_MEMORY_MB = 600
    started = time.monotonic()
    with pytest.raises(reader.UnreadableWorkbook, match="未写入任何数据"):
        reader.read_rows(_dense())
    assert time.monotonic() - started < 30
    assert reader.read_rows(workbook([row("张三", "110101199003074514")])).total == 1


def test_a_runaway_parser_is_stopped_at_the_time_limit(settings) -> None:
    settings.IMPORT_PARSE_SECONDS = 1
    settings.IMPORT_PARSE_MEMORY_MB = 8192
    started = time.monotonic()
    with pytest.raises(reader.UnreadableWorkbook, match="超过 1 秒"):
        reader.read_rows(_dense())
    assert time.monotonic() - started < 10


def test_the_parent_loads_only_plain_values_from_the_child() -> None:
    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError):
        sandbox._PlainUnpickler(io.BytesIO(pickle.dumps(("ok", Evil())))).load()


def test_a_job_whose_parse_crashed_is_marked_and_not_retried(client_for, user, settings) -> None:
    settings.IMPORT_PARSE_MEMORY_MB = 600
    secretary = user("secretary1")
    client = client_for("secretary1")
    job = jobs.store_upload(_dense(), "a.xlsx", actor=secretary, org=secretary.grants.first().node)
    before = _counts()
    report = jobs.validate_job(job, actor=secretary)
    job.refresh_from_db()
    assert report.unreadable and job.status == ImportStatus.UNREADABLE
    assert "重试也无法成功" in job.message and "未写入任何数据" in job.errors[0]["message"]
    with pytest.raises(jobs.CannotRetry, match="请修正文件后重新上传"):
        jobs.retry(job, actor=secretary, now=timezone.now())
    page = client.post(f"/members/import/{job.pk}/retry/", follow=True).content.decode()
    assert "重试也无法成功" in page and "上传修正后的文件" in page
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.UNREADABLE
    assert _counts() == before


def test_the_api_answers_a_parser_failure_with_400(client_for, settings) -> None:
    settings.IMPORT_PARSE_MEMORY_MB = 12  # not even the interpreter fits: every parse fails
    client = client_for("secretary1")
    before = _counts()
    for dry_run in ("true", "false"):
        upload = SimpleUploadedFile("a.xlsx", workbook([row("张三", "110101199003074514")]))
        response = client.post("/api/members/import/", {"file": upload, "dry_run": dry_run})
        assert response.status_code == 400
        assert "解析" in response.json()["file"][0]
    assert _counts()[0] == before[0]
    assert client.get("/healthz").status_code == 200


def test_parser_children_wait_for_a_free_slot(tmp_path) -> None:
    """However many workers upload at once, at most N parser children (and their memory) run."""
    import threading

    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with sandbox.parse_slot(tmp_path, 1, 5):
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    with (
        pytest.raises(reader.WorkbookError, match="请稍后再试"),
        sandbox.parse_slot(tmp_path, 1, 0.5),
    ):
        pass
    assert 0.4 < time.monotonic() - started < 3
    release.set()
    holder.join()
    with sandbox.parse_slot(tmp_path, 1, 0.5):  # free again once the holder is done
        pass


def test_the_check_before_parsing_has_a_time_limit(settings) -> None:
    from dangjian.members.workbook.safety import UnsafeWorkbook, check_xlsx

    settings.IMPORT_CHECK_SECONDS = 0
    with pytest.raises(UnsafeWorkbook, match="用时超过 0 秒"):
        check_xlsx(workbook([row("张三", "110101199003074514")]))
