"""Importing member workbooks: every error by sheet/row/column, all or nothing, one audit entry."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from dangjian.core.actors import SystemActor
from dangjian.core.files.services import file_storage
from dangjian.core.models import AuditEntry
from dangjian.members import services
from dangjian.members.choices import MemberStatus
from dangjian.members.models import ImportJob, ImportStatus, Member
from dangjian.members.tests.helpers import data, new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import importer, jobs

pytestmark = pytest.mark.django_db
# An ID number standing alone, not 18 digits inside a hex digest the audit entry also carries.
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def _thirty(bad: bool) -> tuple[list[list[object]], list[str]]:
    ids = [new_id(date(1960 + i % 30, 1 + i % 12, 1 + i % 27)) for i in range(30)]
    rows = [
        row(f"党员{i:02d}", ids[i], party_group="CT01-ZB1-XZ1" if i % 2 else "") for i in range(30)
    ]
    if bad:
        rows[4][1] = ids[4][:-1] + ("0" if ids[4][-1] != "0" else "1")  # checksum broken
        rows[17][10], rows[17][11] = "2015-01-01", "2014-01-01"  # full before admitted
    return rows, ids


def _counts() -> tuple[int, int]:
    # Keeping an upload is audited on its own ("files.stored", see dangjian/core/files tests).
    return Member.objects.count(), AuditEntry.objects.exclude(action="files.stored").count()


def test_thirty_rows_two_errors_then_fixed(client_for, user) -> None:
    client = client_for("secretary1")
    demo_members = Member.objects.filter(org__code="CT01-ZB1").count()
    rows, _ = _thirty(bad=True)
    before = _counts()
    response = client.post("/members/import/", {"file": _upload(workbook(rows))})
    job = ImportJob.objects.latest("id")
    assert response.status_code == 302 and job.status == ImportStatus.INVALID
    assert [(e["sheet"], e["row"], e["column"]) for e in job.errors] == [
        ("党员信息", 6, "身份证号码"),
        ("党员信息", 19, "转正日期"),
    ]
    assert "校验位" in job.errors[0]["message"]
    assert _counts() == before
    stored = AuditEntry.objects.filter(action="files.stored", object_id=str(job.upload_id))
    assert [e.changes["sha256"] for e in stored] == [job.file_sha256]
    page = client.get(f"/members/import/{job.pk}/").content.decode()
    assert "未写入任何数据" in page and "<td>19</td><td>转正日期</td>" in page
    fixed, _ = _thirty(bad=False)
    client.post("/members/import/", {"file": _upload(workbook(fixed))})
    job = ImportJob.objects.latest("id")
    assert job.status == ImportStatus.VALID
    client.post(f"/members/import/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 30
    assert Member.objects.filter(org__code="CT01-ZB1", name__startswith="党员").count() == 30
    assert Member.objects.filter(org__code="CT01-ZB1").count() == demo_members + 30
    entries = AuditEntry.objects.filter(seq__gt=before[1])
    # The user's 确认导入 (a workflow step) and the import itself; validation left no entry.
    assert [e.action for e in entries.filter(action__startswith="members.").order_by("seq")] == [
        "members.import_job.confirm",
        "members.member.import",
    ]
    imported = entries.get(action="members.member.import")
    assert imported.changes["created"] == 30 and len(imported.changes["file_sha256"]) == 64
    assert not FULL_ID.search(str(list(entries.values_list("changes", flat=True))))
    assert not any(FULL_ID.search(str(j.errors)) for j in ImportJob.objects.all())


def _upload(content: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("党员.xlsx", content)


def test_branch_outside_scope_is_named_by_row_and_column(user) -> None:
    report = importer.validate(
        workbook([row("外部", new_id(), branch="JT01-ZB1")]), actor=user("secretary1")
    )
    assert report.errors == [
        {
            "sheet": "党员信息",
            "row": 2,
            "column": "党支部编码",
            "message": "党支部编码“JT01-ZB1”不存在或不在您的导入范围内",
        }
    ]


def test_duplicates_within_file_and_against_the_database(org) -> None:
    existing = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data()
    )
    twice = new_id()
    report = importer.validate(
        workbook([row("甲", twice), row("乙", twice), row("丙", services.decrypt_id(existing))]),
        actor=SystemActor("tests"),
    )
    assert any(e["row"] == 2 and "与第3行重复" in e["message"] for e in report.errors)
    assert any(e["row"] == 3 and "与第2行重复" in e["message"] for e in report.errors)
    assert any(e["row"] == 4 and "已在“" in e["message"] for e in report.errors)


def test_registered_elsewhere_names_nobody_and_is_audited(client_for, org, user) -> None:
    """Uniqueness is platform-wide, but a secretary learns only that the number is taken — not
    who holds it or where — and the check is a security event the auditor can see."""
    outside = services.register_member(
        actor=SystemActor("tests"), org=org("JT01-ZB1"), data=data(name="外单位甲")
    )
    mine = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="本支部乙")
    )
    content = workbook(
        [row("甲", services.decrypt_id(outside)), row("乙", services.decrypt_id(mine))]
    )
    before = _counts()
    response = client_for("secretary1").post(
        "/api/members/import/", {"file": _upload(content), "dry_run": "true"}
    )
    errors = {e["row"]: e["message"] for e in response.json()["errors"]}
    assert "其他党组织" in errors[2]
    assert "外单位甲" not in errors[2] and "JT01" not in errors[2] and "集团" not in errors[2]
    assert "中共X县城市建设开发有限公司第一支部" in errors[3]
    assert Member.objects.count() == before[0]
    entries = AuditEntry.objects.filter(seq__gt=before[1]).exclude(action__startswith="auth.")
    assert [e.action for e in entries] == ["members.member.registered_elsewhere"]
    entry = entries.get()
    assert entry.outcome == "denied"
    assert entry.changes["via"] == "import" and entry.changes["hits"] == 1
    assert entry.changes["rows"] == 2
    assert not FULL_ID.search(str(entry.changes))


def test_cell_text_quoted_in_errors_never_holds_an_id_number(user) -> None:
    """An ID number typed into the wrong column must not be stored in clear in job errors."""
    typed = new_id()
    report = importer.validate(
        workbook(
            [
                row("错列", new_id(), branch=typed),
                row("错列", new_id(), status=typed, education=typed, admitted_on=typed),
                row("错列", new_id(), ethnicity=typed),
            ]
        ),
        actor=user("secretary1"),
    )
    assert len(report.errors) >= 5
    assert not FULL_ID.search(str(report.errors))
    assert not re.search(r"\d{9,}", str(report.errors))
    assert any("党支部编码“330" in e["message"] for e in report.errors)


@pytest.mark.parametrize("style", ["spaced", "dashed", "full_width"])
def test_id_numbers_written_oddly_are_masked_too(client_for, style: str) -> None:
    typed = new_id()
    written = {
        "spaced": f"{typed[:6]} {typed[6:14]} {typed[14:]}",
        "dashed": f"{typed[:6]}-{typed[6:14]}-{typed[14:]}",
        "full_width": typed.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}),
    }[style]
    client_for("secretary1").post(
        "/members/import/",
        {"file": _upload(workbook([row("错列", new_id(), branch=written, status=written)]))},
    )
    job = ImportJob.objects.latest("id")
    assert job.status == ImportStatus.INVALID and len(job.errors) == 2
    stored = str(job.errors)
    assert typed not in stored and written not in stored and typed[6:14] not in stored


def test_a_file_named_after_a_person_is_stored_masked(client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    typed = new_id()
    client = client_for("secretary1")
    content = workbook([row("文件名", new_id())])
    client.post("/members/import/", {"file": SimpleUploadedFile(f"{typed}.xlsx", content)})
    job = ImportJob.objects.latest("id")
    client.post(f"/members/import/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and typed not in job.original_name
    entry = AuditEntry.objects.filter(action="members.member.import").latest("seq")
    assert typed not in str(entry.changes) and typed not in entry.object_repr


def test_historical_member_is_reactivated(org) -> None:
    old = services.register_member(
        actor=SystemActor("tests"), org=org("JT01-ZB1"), data=data(name="老党员")
    )
    Member.objects.filter(pk=old.pk).update(status=MemberStatus.TRANSFERRED)
    report = importer.validate(
        workbook([row("老党员", services.decrypt_id(old))]), actor=SystemActor("tests")
    )
    assert not report.errors
    created, reactivated = importer.commit(
        report, actor=SystemActor("tests"), file_sha256="0" * 64, original_name="x.xlsx"
    )
    assert (created, reactivated) == (0, 1)
    old.refresh_from_db()
    assert old.status == MemberStatus.FULL and old.org.code == "CT01-ZB1"


def test_one_bad_row_among_ten_thousand_writes_nothing() -> None:
    rows = [
        row(f"批量{i}", new_id(date(1960 + i % 30, 1 + i % 12, 1 + i % 28))) for i in range(10_000)
    ]
    rows[7321][4] = "火星党员"
    before = _counts()
    report = importer.validate(workbook(rows), actor=SystemActor("tests"))
    assert report.total == 10_000
    assert [(e["row"], e["column"]) for e in report.errors] == [(7323, "党籍状态")]
    with pytest.raises(ValueError):
        importer.commit(report, actor=SystemActor("tests"), file_sha256="", original_name="x")
    assert _counts() == before


def test_worker_killed_midway_leaves_nothing_and_retry_succeeds(
    user, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from django.utils import timezone

    secretary = user("secretary1")
    rows, _ = _thirty(bad=False)
    job = jobs.store_upload(
        workbook(rows), "a.xlsx", actor=secretary, org=secretary.grants.first().node
    )
    jobs.validate_job(job, actor=secretary)
    original = importer._insert_members

    def dies(*args, **kwargs):
        original(*args, **kwargs)  # every row written inside the transaction, then the worker dies
        raise SystemExit("worker killed")

    monkeypatch.setattr(importer, "_insert_members", dies)
    before = _counts()
    with pytest.raises(SystemExit):
        jobs.run_import(job)
    assert _counts()[0] == before[0]  # the transaction never committed
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, heartbeat_at=timezone.now() - jobs.stale_after() * 2
    )
    assert jobs.mark_stale_failed(timezone.now()) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "可重试" in job.message
    monkeypatch.setattr(importer, "_insert_members", original)
    with django_capture_on_commit_callbacks(execute=True):
        # Enqueued on commit; tasks run in-process in tests.
        jobs.retry(job, actor=secretary, now=timezone.now())
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 30


def test_stored_upload_is_encrypted(user) -> None:
    secretary = user("secretary1")
    id_number = new_id()
    data = workbook([row("加密", id_number)])
    job = jobs.store_upload(
        data,
        "a.xlsx",
        actor=secretary,
        org=secretary.grants.first().node,
    )
    assert job.upload is not None
    with file_storage().open(job.upload.storage_name) as handle:
        raw = handle.read()
    assert raw.startswith(b"v1:") and id_number.encode() not in raw and b"PK" not in raw[:8]
    assert jobs.load_upload(job) == data


def test_api_dry_run_and_hostile_file(client_for) -> None:
    client = client_for("secretary1")
    rows, _ = _thirty(bad=True)
    before = _counts()
    response = client.post(
        "/api/members/import/", {"file": _upload(workbook(rows)), "dry_run": "true"}
    )
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(6, "身份证号码"), (19, "转正日期")}
    assert set(errors[0]) == {"sheet", "row", "column", "message"}
    hostile = client.post(
        "/api/members/import/",
        {"file": _upload(b"\xd0\xcf\x11\xe0" + b"0" * 99), "dry_run": "true"},
    )
    assert hostile.status_code == 400 and "xls" in hostile.json()["file"][0]
    assert _counts() == before
    fixed, _ = _thirty(bad=False)
    done = client.post("/api/members/import/", {"file": _upload(workbook(fixed))})
    assert done.status_code == 201 and done.json()["created"] == 30
    template = client.get("/api/members/import/template/")
    assert template.status_code == 200 and template.content.startswith(b"PK")


def test_template_offers_only_the_importers_branches(client_for) -> None:
    import io

    from python_calamine import CalamineWorkbook

    content = client_for("secretary1").get("/members/import/template/").content
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names[0] == "党员信息"
    options = book.get_sheet_by_name("选项").to_python(skip_empty_area=False)
    assert options[0][2] == "CT01-ZB1" and len(options) >= 56
    assert not any(r[2] not in ("", "CT01-ZB1") for r in options)
    client = Client()
    assert client.get("/members/import/template/").status_code == 302


def test_parallel_preparation_gives_the_same_report_and_rows(monkeypatch) -> None:
    from dangjian.members.workbook import parallel

    rows = [
        row(f"并行{i}", new_id(date(1960 + i % 30, 1 + i % 12, 1 + i % 28))) for i in range(300)
    ]
    rows[123][4] = "未知状态"
    serial = importer.validate(workbook(rows), actor=SystemActor("tests"), prepare=True)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ROWS", 10)
    forked = importer.validate(workbook(rows), actor=SystemActor("tests"), prepare=True)
    assert forked.errors == serial.errors and [e["row"] for e in forked.errors] == [125]
    rows[123][4] = "正式党员"
    good = importer.validate(workbook(rows), actor=SystemActor("tests"), prepare=True)
    assert len(good.planned) == 300 and all(p.values and p.data is None for p in good.planned)
    assert importer.commit(good, actor=SystemActor("tests"), file_sha256="", original_name="p") == (
        300,
        0,
    )
    member = Member.objects.get(name="并行7")
    assert services.decrypt_id(member) == rows[7][1] and member.org.code == "CT01-ZB1"


def _many(n: int) -> list[list[object]]:
    return [row(f"流水{i}", new_id(date(1960 + i % 30, 1 + i % 12, 1 + i % 28))) for i in range(n)]


@pytest.mark.parametrize("problem", ["bad_last_row", "duplicate_across_chunks"])
def test_streamed_import_rolls_back_rows_already_written(problem: str, monkeypatch) -> None:
    """import_file writes chunk by chunk while workers parse (forked above 5,000 rows); an error
    found in a later chunk must undo what earlier chunks wrote."""
    rows = _many(6_000)
    if problem == "bad_last_row":
        rows[-1][4] = "不存在的状态"
    else:
        rows[-1][1] = rows[0][1]
    before = _counts()
    written: list[int] = []
    original = importer._insert_members

    def counting(planned, now, progress):
        written.append(len(planned))
        original(planned, now, progress)

    monkeypatch.setattr(importer, "_insert_members", counting)
    report, counts = importer.import_file(
        workbook(rows), actor=SystemActor("tests"), file_sha256="0" * 64, original_name="x.xlsx"
    )
    assert counts is None and report.errors and _counts() == before
    assert sum(written) > 0  # earlier chunks really were written, then rolled back
    expected_row = 6_001
    assert any(e["row"] == expected_row for e in report.errors)


def test_streamed_import_of_a_clean_file_matches_the_two_step_import() -> None:
    rows = _many(6_000)
    report, counts = importer.import_file(
        workbook(rows), actor=SystemActor("tests"), file_sha256="1" * 64, original_name="y.xlsx"
    )
    assert counts == (6_000, 0) and not report.errors
    names = set(Member.objects.filter(name__startswith="流水").values_list("name", flat=True))
    assert names == {f"流水{i}" for i in range(6_000)}
    entries = AuditEntry.objects.filter(action="members.member.import")
    assert entries.latest("seq").changes["created"] == 6_000


def test_live_progress_file_is_a_heartbeat_and_feeds_the_progress_bar(client_for, user) -> None:
    import os

    from django.utils import timezone

    secretary = user("secretary1")
    job = jobs.store_upload(
        workbook(_thirty(bad=False)[0]),
        "p.xlsx",
        actor=secretary,
        org=secretary.grants.first().node,
    )
    jobs.validate_job(job, actor=secretary)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, heartbeat_at=timezone.now() - jobs.stale_after() * 2
    )
    jobs._live_progress(job)(17)
    assert jobs.mark_stale_failed(timezone.now()) == 0  # still reporting through the file
    page = client_for("secretary1").get(f"/members/import/{job.pk}/progress/").content.decode()
    assert "已处理 17 / 30 行" in page
    old = timezone.now().timestamp() - jobs.stale_after().total_seconds() * 2
    os.utime(jobs._live_path(job), (old, old))
    assert jobs.mark_stale_failed(timezone.now()) == 1
    jobs._live_path(job).unlink()
