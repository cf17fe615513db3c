"""Storing, reading, verifying and purging stored files.

Bytes go through Django's Storage API (the ``stored_files`` alias in ``STORAGES``, the default
storage otherwise), so an S3-compatible backend replaces the file system by settings alone. What
reaches the storage is always the SM4-GCM ciphertext, bound to its row by the encryption
context; digests are of the plaintext, taken before encryption and checked on every read.

A blob is written before its row: if the row or the caller's transaction fails, the blob is
deleted or, at worst, left as an orphan that ``purge_orphans`` removes after a grace period. A
row never points at a blob that was not written.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, SystemActor, require_actor
from dangjian.core.crypto import CryptoError, sm3_hex
from dangjian.core.files import purposes
from dangjian.core.files.models import StoredFile, storage_name
from dangjian.core.files.rules import kept_name, size_refusal, sniff, type_refusal
from dangjian.core.provider import crypto
from dangjian.core.scoping import permits

logger = logging.getLogger(__name__)

STORAGE_ALIAS = "stored_files"
PREFIX = "files"
CHUNK = 1024 * 1024
ORPHAN_GRACE = timedelta(hours=1)
SAVE_FAILED = "文件保存失败（存储空间不足或不可写），未保存任何内容，请稍后重试或联系系统管理员"


class StoredFileUnavailable(Exception):
    """The content cannot be handed out; the message is for the user."""


class ContentGone(StoredFileUnavailable):
    pass


class IntegrityFailure(StoredFileUnavailable):
    pass


def file_storage() -> Storage:
    alias = STORAGE_ALIAS if STORAGE_ALIAS in settings.STORAGES else "default"
    return storages[alias]


def _authorise_upload(actor: Actor, purpose: purposes.FilePurpose, org: Any) -> None:
    """Users upload where the purpose's action reaches; a named system actor (commands, jobs)
    acts on the platform's behalf. Nobody else stores anything."""
    require_actor(actor)
    if isinstance(actor, SystemActor):
        return
    if not permits(actor, purpose.upload_action, path=org.path, pk=org.pk):
        raise PermissionDenied


def _read_limited(source: bytes | IO[bytes] | Any, limit: int, field: str) -> bytes:
    """All of the upload, refusing it as soon as it passes ``limit`` (never read it all first)."""
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    declared = getattr(source, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise ValidationError({field: size_refusal(declared, limit)})
    chunks: Iterable[bytes] = (
        source.chunks(CHUNK) if hasattr(source, "chunks") else iter(lambda: source.read(CHUNK), b"")
    )
    kept, total = [], 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise ValidationError({field: size_refusal(total, limit)})
        kept.append(chunk)
    return b"".join(kept)


def store(
    source: bytes | IO[bytes] | Any,
    *,
    purpose: str,
    original_name: str,
    org: Any,
    actor: Actor,
    now: datetime,
    field: str = "file",
) -> StoredFile:
    """Check, encrypt and keep one upload; one ``files.stored`` audit entry with its digests.

    Refusals (size, type) are ``ValidationError`` keyed by ``field`` and write nothing."""
    declared = purposes.get(purpose)
    _authorise_upload(actor, declared, org)
    data = _read_limited(source, declared.max_bytes, field)
    sniffed = sniff(data)
    refusal = size_refusal(len(data), declared.max_bytes) or type_refusal(
        sniffed, declared.allowed_types
    )
    if refusal:
        raise ValidationError({field: refusal})
    stored = StoredFile(
        purpose=declared.key,
        org=org,
        # core does not name the accounts app's User; an authenticated actor is one.
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,  # type: ignore[misc]
        original_name=kept_name(original_name),
        content_type=str(sniffed.content_type),
        size=len(data),
        sm3=sm3_hex(data),
        sha256=hashlib.sha256(data).hexdigest(),
        key_version=crypto().current_key_version,
        created_at=now,
    )
    blob = crypto().encrypt_blob(data, context=stored.encryption_context)
    storage = file_storage()
    wanted = storage_name(declared.key, stored.key)
    try:
        stored.storage_name = storage.save(wanted, ContentFile(blob))
        _stamp_with_platform_clock(storage, stored.storage_name)
    except OSError as exc:
        logger.error("stored file could not be written: %s", type(exc).__name__)
        _delete_blobs([wanted])  # a partial file must not stay behind
        raise ValidationError({field: SAVE_FAILED}) from exc
    try:
        with transaction.atomic():
            stored.save(force_insert=True)
            audit.record(
                "files.stored",
                actor=actor,
                obj=stored,
                org_path=org.path,
                changes={
                    "purpose": stored.purpose,
                    "content_type": stored.content_type,
                    "size": stored.size,
                    "sm3": stored.sm3,
                    "sha256": stored.sha256,
                },
            )
    except Exception:
        _delete_blobs([stored.storage_name])  # no blob without a row
        raise
    return stored


def is_present(stored: StoredFile | None) -> bool:
    """The row is there, not purged, and its blob still exists in the storage."""
    if stored is None or stored.purged_at is not None:
        return False
    try:
        return file_storage().exists(stored.storage_name)
    except OSError:
        return False


def read(stored: StoredFile) -> bytes:
    """The plaintext, after the ciphertext authenticated and both digests matched."""
    if stored.purged_at is not None:
        raise ContentGone("文件已按保留期限删除")
    try:
        with file_storage().open(stored.storage_name, "rb") as handle:
            blob = handle.read()
    except (FileNotFoundError, OSError) as exc:
        raise ContentGone("文件内容已不存在") from exc
    try:
        data = crypto().decrypt_blob(blob, context=stored.encryption_context)
    except CryptoError as exc:
        raise IntegrityFailure("文件密文校验失败（可能被改动或替换）") from exc
    if len(data) != stored.size or hashlib.sha256(data).hexdigest() != stored.sha256:
        raise IntegrityFailure("文件内容与上传时的摘要不符")
    if sm3_hex(data) != stored.sm3:
        raise IntegrityFailure("文件内容与上传时的 SM3 摘要不符")
    return data


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str = ""


def verify(stored: StoredFile) -> Verification:
    """Decrypt and recompute both digests; what is wrong, in Chinese, when anything is."""
    try:
        read(stored)
    except StoredFileUnavailable as exc:
        return Verification(ok=False, reason=str(exc))
    return Verification(ok=True)


def purge(ids: Iterable[int], *, now: datetime) -> int:
    """Delete the content of these files, keeping their rows (``purged_at`` stamped). Call in
    the caller's transaction: the rows change with it, the blobs go once it commits (a delete
    that fails leaves an orphan for ``purge_orphans``, never a row claiming a file exists)."""
    rows = StoredFile.objects.filter(pk__in=list(ids), purged_at__isnull=True)
    names = list(rows.values_list("storage_name", flat=True))
    if not names:
        return 0
    count = rows.update(purged_at=now)
    transaction.on_commit(lambda: _delete_blobs(names))
    return count


def remove_blob(stored: StoredFile) -> None:
    """Delete a blob whose row is being rolled back with the caller's transaction."""
    _delete_blobs([stored.storage_name])


def _delete_blobs(names: Iterable[str]) -> None:
    storage = file_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("stored file blob could not be deleted; the orphan sweep retries")


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}")


def _stamp_with_platform_clock(storage: Any, name: str) -> None:
    """The orphan sweep compares a blob's modification time with the platform's clock; on a
    local disk the blob carries that clock's time (a remote store keeps its own)."""
    stamp = clock.epoch_seconds()
    try:
        os.utime(storage.path(name), (stamp, stamp))
    except (NotImplementedError, OSError):
        return  # not on a local disk: the store's own time stands


def find_orphans(now: datetime, *, grace: timedelta = ORPHAN_GRACE) -> list[str]:
    """Blobs no present row refers to (a crash between blob and row, a rolled-back caller, a
    failed delete), once older than ``grace`` so a file being stored right now is safe."""
    storage = file_storage()
    cutoff = now - grace
    names = list(_walk(storage, PREFIX))
    live: set[str] = set()
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        live.update(
            StoredFile.objects.present()
            .filter(storage_name__in=batch)
            .values_list("storage_name", flat=True)
        )
    orphans = []
    for name in names:
        if name in live:
            continue
        try:
            if storage.get_modified_time(name) < cutoff:
                orphans.append(name)
        except (FileNotFoundError, OSError):
            continue  # removed meanwhile
    return sorted(orphans)


def delete_orphans(names: Iterable[str]) -> None:
    _delete_blobs(names)


def purge_orphans(now: datetime, *, grace: timedelta = ORPHAN_GRACE) -> int:
    orphans = find_orphans(now, grace=grace)
    delete_orphans(orphans)
    return len(orphans)
