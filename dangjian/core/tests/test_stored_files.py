"""Stored files: refused unless the bytes fit the purpose, digests kept and verified, encrypted
at rest through the Storage API, handed out only in scope, as an attachment."""

from __future__ import annotations

import hashlib
import importlib
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dangjian.core.actors import SystemActor
from dangjian.core.crypto import sm3_hex
from dangjian.core.files import purposes, services
from dangjian.core.files.models import StoredFile
from dangjian.core.files.purposes import FilePurpose
from dangjian.core.files.rules import IMAGES, PDFS
from dangjian.core.models import AuditEntry
from dangjian.core.tests.test_file_sniffing import XLSX_BYTES
from dangjian.governance.permissions import GovernanceAction
from dangjian.orgs.permissions import OrgAction

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n" + b"evidence " * 200 + b"\n%%EOF"
EVIDENCE = FilePurpose(
    key="tests.meeting_evidence",
    label="会议佐证材料",
    allowed_types=PDFS | IMAGES,
    max_bytes=64 * 1024,
    upload_action=GovernanceAction.CHANGE,
    read_action=OrgAction.VIEW,
)


@pytest.fixture(autouse=True)
def evidence_purpose(settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    purposes.register(EVIDENCE)
    yield EVIDENCE
    purposes.unregister(EVIDENCE.key)


def _store(user: Any, org: Any, data: Any = PDF_BYTES, **kwargs: Any) -> StoredFile:
    return services.store(
        data,
        purpose=kwargs.pop("purpose", EVIDENCE.key),
        original_name=kwargs.pop("name", "支部会议记录.pdf"),
        org=org,
        actor=user,
        now=timezone.now(),
        **kwargs,
    )


def _nothing_written(before: tuple[int, int], tmp_media: Path) -> None:
    assert (StoredFile.objects.count(), AuditEntry.objects.count()) == before
    assert not any(path.is_file() for path in (tmp_media / "files").rglob("*"))


def _counts() -> tuple[int, int]:
    return StoredFile.objects.count(), AuditEntry.objects.count()


def test_store_keeps_digests_encrypts_and_audits_once(user, org, settings) -> None:
    secretary, branch = user("secretary1"), org("CT01-ZB1")
    before = AuditEntry.objects.count()
    stored = _store(secretary, branch, name="110101199003074514 会议.pdf")
    assert stored.content_type == "application/pdf" and stored.size == len(PDF_BYTES)
    assert stored.sm3 == sm3_hex(PDF_BYTES)
    assert stored.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert stored.original_name == "110*************14 会议.pdf"
    raw = (Path(settings.MEDIA_ROOT) / stored.storage_name).read_bytes()
    assert raw.startswith(b"v1:") and b"evidence" not in raw
    assert services.read(stored) == PDF_BYTES and services.verify(stored).ok
    entries = list(AuditEntry.objects.filter(seq__gt=before))
    assert [e.action for e in entries] == ["files.stored"]
    assert entries[0].changes == {
        "purpose": EVIDENCE.key,
        "content_type": "application/pdf",
        "size": len(PDF_BYTES),
        "sm3": stored.sm3,
        "sha256": stored.sha256,
    }
    assert entries[0].org_path == branch.path and "1990030745" not in entries[0].object_repr


def test_renamed_executable_is_refused_naming_the_field(user, org, settings) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        _store(user("secretary1"), org("CT01-ZB1"), b"MZ\x90\x00" + b"\x00" * 500, name="a.pdf")
    message = refused.value.message_dict["file"][0]
    assert "可执行程序" in message and "改了扩展名" in message
    _nothing_written(before, Path(settings.MEDIA_ROOT))
    with pytest.raises(ValidationError) as script:
        _store(user("secretary1"), org("CT01-ZB1"), b"#!/bin/sh\n", name="x.png", field="proof")
    assert "脚本" in script.value.message_dict["proof"][0]


def test_each_purpose_accepts_only_its_types(user, org, settings) -> None:
    secretary, branch = user("secretary1"), org("CT01-ZB1")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert _store(secretary, branch, png).content_type == "image/png"
    before = _counts()
    with pytest.raises(ValidationError) as workbook_as_evidence:
        _store(secretary, branch, XLSX_BYTES, name="a.xlsx")
    assert "Excel 工作簿（.xlsx）" in workbook_as_evidence.value.message_dict["file"][0]
    assert "只接受" in workbook_as_evidence.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as pdf_as_workbook:
        _store(secretary, branch, PDF_BYTES, purpose="members.import_workbook")
    assert "只接受Excel 工作簿（.xlsx）" in pdf_as_workbook.value.message_dict["file"][0]
    assert _counts() == before
    blobs = [p for p in (Path(settings.MEDIA_ROOT) / "files").rglob("*") if p.is_file()]
    assert len(blobs) == 1  # only the PNG's


def test_size_limit_refused_while_streaming(user, org, settings) -> None:
    before = _counts()
    big = PDF_BYTES + b"0" * EVIDENCE.max_bytes
    with pytest.raises(ValidationError) as as_bytes:
        _store(user("secretary1"), org("CT01-ZB1"), big)
    assert as_bytes.value.message_dict["file"] == ["文件不能超过64KB"]

    class Stream:
        """An upload whose size is unknown: reading must stop once past the limit."""

        def __init__(self) -> None:
            self.served = 0

        def read(self, size: int) -> bytes:
            self.served += size
            return b"%PDF-" + b"0" * (size - 5)

    stream = Stream()
    with pytest.raises(ValidationError):
        _store(user("secretary1"), org("CT01-ZB1"), stream)
    assert stream.served <= services.CHUNK
    uploaded = SimpleUploadedFile("a.pdf", big, content_type="application/pdf")
    with pytest.raises(ValidationError):
        _store(user("secretary1"), org("CT01-ZB1"), uploaded)
    with pytest.raises(ValidationError) as empty:
        _store(user("secretary1"), org("CT01-ZB1"), b"")
    assert "空的" in empty.value.message_dict["file"][0]
    _nothing_written(before, Path(settings.MEDIA_ROOT))


def test_upload_outside_the_actors_scope_is_refused(user, org, settings) -> None:
    before = _counts()
    with pytest.raises(PermissionDenied):
        _store(user("secretary1"), org("JT01-ZB1"))
    with pytest.raises(TypeError):
        _store(None, org("CT01-ZB1"))  # nobody: not a silent skip of the check
    _nothing_written(before, Path(settings.MEDIA_ROOT))


def test_a_system_actor_stores_without_a_grant(org) -> None:
    stored = _store(SystemActor("tests"), org("JT01-ZB1"))
    assert stored.uploaded_by is None
    entry = AuditEntry.objects.order_by("-seq")[0]
    assert entry.action == "files.stored" and entry.actor_username == "system:tests"


def test_verify_detects_tampering_swapping_and_loss(user, org, settings) -> None:
    secretary, branch = user("secretary1"), org("CT01-ZB1")
    first, second = _store(secretary, branch), _store(secretary, branch, PDF_BYTES + b" ")
    media = Path(settings.MEDIA_ROOT)
    blob = (media / first.storage_name).read_bytes()
    flipped = blob[:-20] + bytes([blob[-20] ^ 1]) + blob[-19:]
    (media / first.storage_name).write_bytes(flipped)
    tampered = services.verify(first)
    assert not tampered.ok and "密文校验失败" in tampered.reason
    # Another row's intact ciphertext does not pass for this one (the context binds it).
    (media / first.storage_name).write_bytes((media / second.storage_name).read_bytes())
    assert not services.verify(first).ok
    # Re-encrypted under the right context but with other content: the digests catch it.
    from dangjian.core.provider import crypto

    forged = crypto().encrypt_blob(PDF_BYTES + b"x", context=first.encryption_context)
    (media / first.storage_name).write_bytes(forged)
    assert services.verify(first) == services.Verification(False, "文件内容与上传时的摘要不符")
    (media / second.storage_name).unlink()
    assert services.verify(second) == services.Verification(False, "文件内容已不存在")


def test_another_storage_backend_by_settings_alone(user, org, settings) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "stored_files": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    stored = _store(user("secretary1"), org("CT01-ZB1"))
    assert services.read(stored) == PDF_BYTES
    assert not (Path(settings.MEDIA_ROOT) / stored.storage_name).exists()


def test_a_full_disk_leaves_no_row_and_no_partial_file(user, org, settings) -> None:
    before = _counts()
    storage = services.file_storage()
    with (
        mock.patch.object(type(storage), "_save", side_effect=OSError(28, "No space left")),
        pytest.raises(ValidationError) as refused,
    ):
        _store(user("secretary1"), org("CT01-ZB1"))
    assert refused.value.message_dict["file"] == [services.SAVE_FAILED]
    _nothing_written(before, Path(settings.MEDIA_ROOT))


def test_a_row_that_fails_takes_its_blob_with_it(user, org, settings) -> None:
    before = _counts()
    with (
        mock.patch("dangjian.core.files.services.audit.record", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        _store(user("secretary1"), org("CT01-ZB1"))
    _nothing_written(before, Path(settings.MEDIA_ROOT))


def test_orphans_are_removed_after_the_grace_period(user, org, settings) -> None:
    import os

    kept = _store(user("secretary1"), org("CT01-ZB1"))
    purged = _store(user("secretary1"), org("CT01-ZB1"))
    services.purge([purged.pk], now=timezone.now())  # its blob delete "failed"
    media = Path(settings.MEDIA_ROOT)
    stray = media / "files" / EVIDENCE.key / "00" / "stray.bin"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"v1:junk")
    written = timezone.now().timestamp()  # the platform's clock, as the service stamps blobs
    os.utime(stray, (written, written))
    later = timezone.now() + services.ORPHAN_GRACE + timedelta(minutes=1)
    assert services.purge_orphans(timezone.now()) == 0  # all too fresh
    old = (timezone.now() - timedelta(hours=2)).timestamp()
    for path in (stray, media / kept.storage_name):
        os.utime(path, (old, old))
    assert services.find_orphans(later) == sorted(
        [purged.storage_name, stray.relative_to(media).as_posix()]
    )
    assert services.purge_orphans(later) == 2
    assert services.read(kept) == PDF_BYTES and not stray.exists()


# --- serving -----------------------------------------------------------------------------------


def _url(stored: StoredFile) -> str:
    return f"/files/{stored.key}/"


def test_download_in_scope_is_an_audited_attachment(user, org, client_for) -> None:
    stored = _store(user("secretary1"), org("CT01-ZB1"))
    response = client_for("secretary1").get(_url(stored))
    assert response.status_code == 200 and response.content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%94%AF%E9%83%A8%E4%BC%9A%E8%AE%AE%E8%AE%B0%E5%BD%95.pdf"
    )
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    entry = AuditEntry.objects.order_by("-seq")[0]
    assert entry.action == "files.downloaded" and entry.object_id == str(stored.pk)
    assert entry.actor_username == "secretary1"
    # The county sees its whole tree.
    assert client_for("supervisor").get(_url(stored)).status_code == 200


def test_download_out_of_scope_is_404_and_audited(user, org, client_for) -> None:
    stored = _store(user("supervisor"), org("JT01-ZB1"))
    denials = AuditEntry.objects.filter(action="access.denied").count()
    downloads = AuditEntry.objects.filter(action="files.downloaded").count()
    response = client_for("secretary1").get(_url(stored))
    assert response.status_code == 404 and PDF_BYTES not in response.content
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1
    denial = AuditEntry.objects.filter(action="access.denied").order_by("-seq")[0]
    assert denial.changes["object_id"] == str(stored.pk)
    assert AuditEntry.objects.filter(action="files.downloaded").count() == downloads
    # No role for the read action anywhere: the same 404, not a 403 telling the file exists.
    assert client_for("auditor").get(_url(stored)).status_code == 404


def test_download_unknown_key_anonymous_and_post(user, org, client_for) -> None:
    import uuid

    stored = _store(user("secretary1"), org("CT01-ZB1"))
    denials = AuditEntry.objects.filter(action="access.denied").count()
    assert client_for("secretary1").get(f"/files/{uuid.uuid4()}/").status_code == 404
    assert AuditEntry.objects.filter(action="access.denied").count() == denials
    anonymous = Client().get(_url(stored))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert client_for("secretary1").post(_url(stored)).status_code == 405


def test_download_of_purged_or_tampered_content(user, org, client_for, settings) -> None:
    secretary, branch = user("secretary1"), org("CT01-ZB1")
    purged, tampered = _store(secretary, branch), _store(secretary, branch)
    services.purge([purged.pk], now=timezone.now())
    client = client_for("secretary1")
    gone = client.get(_url(purged))
    assert gone.status_code == 410 and "保留期限" in gone.content.decode()
    (Path(settings.MEDIA_ROOT) / tampered.storage_name).write_bytes(b"v1:" + b"\x00" * 64)
    refused = client.get(_url(tampered))
    assert refused.status_code == 409 and "拒绝提供下载" in refused.content.decode()
    entry = AuditEntry.objects.order_by("-seq")[0]
    assert entry.action == "files.integrity_failed" and entry.outcome == "failure"


def test_import_workbooks_are_their_uploaders_only(user, org, client_for) -> None:
    from dangjian.members.tests.helpers import new_id
    from dangjian.members.tests.workbooks import row, workbook
    from dangjian.members.workbook import jobs

    secretary = user("secretary1")
    data = workbook([row("下载", new_id())])
    job = jobs.store_upload(data, "导入.xlsx", actor=secretary, org=org("CT01-ZB1"))
    assert job.upload is not None and job.upload.purpose == "members.import_workbook"
    url = _url(job.upload)
    response = client_for("secretary1").get(url)
    assert response.status_code == 200 and response.content == data
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    # clerk1 keeps the same branch's registry, but the workbook is secretary1's.
    assert client_for("clerk1").get(url).status_code == 404


def test_legacy_import_uploads_are_moved_by_the_migration(user, org, settings) -> None:
    from dangjian.core.provider import crypto

    migration = importlib.import_module(
        "dangjian.members.migrations.0007_move_import_uploads_to_stored_files"
    )
    media = Path(settings.MEDIA_ROOT)
    legacy = media / "imports" / "abc123.bin"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(crypto().encrypt_blob(XLSX_BYTES, context=migration.LEGACY_CONTEXT))
    secretary = user("secretary1")
    job = {
        "pk": 1,
        "org_id": org("CT01-ZB1").pk,
        "created_by_id": secretary.pk,
        "original_name": "旧文件.xlsx",
        "created_at": timezone.now(),
        "stored_path": "imports/abc123.bin",
    }
    moved = migration.move_upload(StoredFile, job)
    assert moved is not None
    stored, to_delete = moved
    assert to_delete == legacy
    stored = StoredFile.objects.get(pk=stored.pk)
    assert services.read(stored) == XLSX_BYTES and services.verify(stored).ok
    assert stored.sha256 == hashlib.sha256(XLSX_BYTES).hexdigest()
    assert stored.content_type.endswith("spreadsheetml.sheet")
    # A file already gone (or no longer decrypting) leaves the job without an upload.
    assert migration.move_upload(StoredFile, {**job, "stored_path": "imports/gone.bin"}) is None


def test_verify_command_names_the_bad_file_and_audits(user, org, settings, capsys) -> None:
    from django.core.management import CommandError, call_command

    good, bad = (
        _store(user("secretary1"), org("CT01-ZB1")),
        _store(user("secretary1"), org("CT01-ZB1")),
    )
    call_command("verify_stored_files", "--purpose", EVIDENCE.key)
    assert "存储文件校验通过：2 个" in capsys.readouterr().out
    (Path(settings.MEDIA_ROOT) / bad.storage_name).write_bytes(b"v1:" + b"\x01" * 40)
    with pytest.raises(CommandError, match=f"#{bad.pk} 文件密文校验失败"):
        call_command("verify_stored_files")
    entry = AuditEntry.objects.order_by("-seq")[0]
    assert entry.action == "files.verified" and entry.outcome == "failure"
    assert entry.changes["failed"] == [
        {"id": bad.pk, "reason": "文件密文校验失败（可能被改动或替换）"}
    ]
    assert services.verify(good).ok
