"""Import comfort: the progress bar moves during the write, the first rows are previewed before
confirming, and an invalid file's page offers a marked copy of the workbook and a re-upload."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.actors import SystemActor
from dangjian.members.models import ImportJob, ImportStatus, Member
from dangjian.members.tests.helpers import new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import importer
from dangjian.members.workbook.marked import PREVIEW_ROWS
from dangjian.members.workbook.parallel import SERIAL_CHUNK

pytestmark = pytest.mark.django_db
FULL_ID = re.compile(r"(?<![0-9A-Za-z*])\d{17}[\dX](?![0-9A-Za-z])")


def _rows(n: int, prefix: str = "舒适") -> tuple[list[list[object]], list[str]]:
    ids = [new_id(date(1960 + i % 30, 1 + i % 12, 1 + i % 27)) for i in range(n)]
    return [row(f"{prefix}{i:04d}", ids[i]) for i in range(n)], ids


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("党员.xlsx", content)


def test_progress_is_reported_at_intermediate_values_while_rows_are_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    total = SERIAL_CHUNK * 2 + 37
    rows, _ = _rows(total)
    before = Member.objects.count()
    seen: list[tuple[int, int]] = []

    def report(done: int) -> None:
        seen.append((done, Member.objects.count() - before))  # inside the import's transaction

    _, counts = importer.import_file(
        workbook(rows),
        actor=SystemActor("tests"),
        file_sha256="2" * 64,
        original_name="p.xlsx",
        progress=report,
    )
    assert counts == (total, 0)
    reported = [done for done, _ in seen]
    assert reported == sorted(reported) and reported[-1] == total
    middle = [(done, written) for done, written in seen if 0 < done < total]
    assert len(middle) >= 2  # the bar moves, not 0 then 100 %
    # Each report comes after its rows are written: the bar follows the write.
    assert all(written == done for done, written in middle)


def test_the_job_page_previews_the_first_rows_before_confirming(
    client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dangjian.members.workbook import marked

    reads: list[int] = []
    original = marked.read_rows

    def counted(data: bytes) -> Any:
        reads.append(len(data))
        return original(data)

    monkeypatch.setattr(marked, "read_rows", counted)
    client = client_for("secretary1")
    rows, ids = _rows(PREVIEW_ROWS + 5)
    client.post("/members/import/", {"file": _upload(workbook(rows))})
    job = ImportJob.objects.latest("id")
    assert job.status == ImportStatus.VALID
    page = client.get(f"/members/import/{job.pk}/").content.decode()
    preview = page[page.index('id="import-preview"') : page.index("确认导入</button>")]
    shown = re.findall(r"舒适\d{4}", preview)
    assert shown == [f"舒适{i:04d}" for i in range(PREVIEW_ROWS)]
    assert not FULL_ID.search(preview) and ids[0] not in page
    assert ids[0][:4] + "*" * 10 + ids[0][14:] in preview
    again = client.get(f"/members/import/{job.pk}/").content.decode()
    assert 'id="import-preview"' in again and len(reads) == 1  # the file is read once


def _invalid_job(client: Any) -> ImportJob:
    rows, ids = _rows(6)
    rows[2][1] = ids[2][:-1] + ("0" if ids[2][-1] != "0" else "1")  # checksum broken: row 4
    rows[4][4] = "不存在的状态"  # 党籍状态, row 6
    client.post("/members/import/", {"file": _upload(workbook(rows))})
    job = ImportJob.objects.latest("id")
    assert job.status == ImportStatus.INVALID
    return job


def test_the_error_page_offers_the_marked_workbook_and_a_re_upload(client_for: Any) -> None:
    client = client_for("secretary1")
    job = _invalid_job(client)
    page = client.get(f"/members/import/{job.pk}/").content.decode()
    assert f'href="/members/import/{job.pk}/marked/"' in page
    assert 'id="reupload"' in page and 'action="/members/import/"' in page
    download = client.get(f"/members/import/{job.pk}/marked/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    book = zipfile.ZipFile(io.BytesIO(download.content))
    comments = next(n for n in book.namelist() if n.startswith("xl/comments"))
    xml = book.read(comments).decode()
    by_cell = dict(re.findall(r'<comment ref="([A-Z]+\d+)"[^>]*>.*?<t[^>]*>(.*?)</t>', xml, re.S))
    assert set(by_cell) == {"B4", "E6"}  # 身份证号码 of row 4, 党籍状态 of row 6
    messages = {e["row"]: e["message"] for e in job.errors}
    assert messages[4] in by_cell["B4"] and messages[6] in by_cell["E6"]
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    styles = set(re.findall(r'<c r="(?:B4|E6)" s="(\d+)"', sheet))
    plain = set(re.findall(r'<c r="(?:B3|E5)"(?: s="(\d+)")?', sheet))
    assert len(styles) == 1 and styles.isdisjoint(plain)  # the marked cells carry the fill


def test_a_clean_job_has_no_marked_copy_to_download(client_for: Any) -> None:
    client = client_for("secretary1")
    rows, _ = _rows(3)
    client.post("/members/import/", {"file": _upload(workbook(rows))})
    job = ImportJob.objects.latest("id")
    response = client.get(f"/members/import/{job.pk}/marked/")
    assert response.status_code == 302 and response["Location"] == f"/members/import/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "该文件没有校验错误" in page
