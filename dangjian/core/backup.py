"""Backups of the default database and the media directory, and restoring them.

A backup directory holds the database copy, ``media.tar.gz`` and ``manifest.json`` (SHA-256 of
each file, audit chain head, key fingerprints, and an HMAC-SM3 over the manifest itself).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction

from dangjian.core import audit, clock
from dangjian.core.actors import SystemActor
from dangjian.core.checkpoints import checkpoint_file, write_checkpoint
from dangjian.core.crypto import hmac_sm3
from dangjian.core.models import AuditEntry

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
STAGING_PREFIX = ".restore-"
UNCHANGED = "未做任何更改。"
LOUD = "数据库已被备份内容覆盖，请立即核查，核查前不要投入使用！"


class BackupError(Exception):
    """A failure explained in Chinese for the operator."""


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _key_fingerprints() -> dict[str, str]:
    ring = settings.KEYRING
    keys = {"audit": ring.audit_mac_key, "blind_index": ring.blind_index_key}
    keys.update({f"field_v{v}": k for v, k in ring.field_keys.items()})
    # Short one-way digests: enough to tell keys apart, useless for recovering them.
    return {n: hashlib.sha256(b"dangjian-backup:" + k).hexdigest()[:16] for n, k in keys.items()}


def _manifest_mac(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "mac"}
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac_sm3(settings.KEYRING.audit_mac_key, data.encode("utf-8")).hex()


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def _pg_tool(name: str, args: list[str]) -> None:
    exe = shutil.which(name)
    if exe is None:
        raise BackupError(f"找不到 {name}，请先安装 PostgreSQL 客户端工具（postgresql-client）")
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    command = [exe, "--no-password", "--dbname", str(db["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        command += [flag, str(db[key])] if db.get(key) else []
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # never on the command line, where ps shows it
    if sslmode := (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    done = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
        [*command, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = done.stderr.strip()[-2000:]
        raise BackupError(f"{name} 执行失败（退出码 {done.returncode}）：{detail}")


def _dump_sqlite(dest: Path) -> tuple[tuple[int, str], int]:
    live = Path(str(settings.DATABASES["default"]["NAME"]))
    if not live.is_file():
        raise BackupError(f"数据库文件不存在：{live}")
    table = AuditEntry._meta.db_table
    with (
        contextlib.closing(_read_only(live)) as src,
        contextlib.closing(sqlite3.connect(dest)) as dst,
    ):
        src.backup(dst)  # online backup API: a consistent copy even while others write
        # Rollback-journal mode, so reading the copy later never creates -wal/-shm beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("数据库副本完整性检查未通过，备份已放弃")
        # Head and count come from the copy itself, so they match it exactly.
        query = f'SELECT max(seq), count(*) FROM "{table}"'  # noqa: S608 (model's table name)
        seq, count = dst.execute(query).fetchone()
        mac = dst.execute(f'SELECT mac FROM "{table}" WHERE seq = ?', (seq,)).fetchone()  # noqa: S608
    return ((int(seq), str(mac[0])) if seq else (0, audit.GENESIS_MAC)), int(count)


def _dump_postgresql(dest: Path) -> tuple[tuple[int, str], int]:
    # pg_dump reads the snapshot exported here, so the manifest's head matches the dump exactly.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone() or ("",)
        head, count = audit.chain_head(), AuditEntry.objects.count()
        _pg_tool("pg_dump", ["--format=custom", f"--snapshot={snapshot}", f"--file={dest}"])
    return head, count


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    # Restore refuses links and special files, so they are never archived either.
    return info if info.isreg() or info.isdir() else None


def _archive_media(dest: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    with tarfile.open(dest, "w:gz") as tar:
        for entry in sorted(root.iterdir()) if root.is_dir() else []:
            if not entry.name.startswith(STAGING_PREFIX):
                tar.add(entry, arcname=entry.name, filter=_plain)
        return sum(member.isfile() for member in tar.getmembers())


def create_backup(target: Path) -> dict[str, Any]:
    """Write a complete backup to ``target`` (must not exist), audit it, return its manifest."""
    vendor = connection.vendor
    if vendor not in DB_FILES:
        raise BackupError(f"不支持备份此类数据库：{vendor}")
    target = target.absolute()
    if target.exists():
        raise BackupError(f"目标目录已存在：{target}（备份不会覆盖已有内容，请换一个目录）")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built under a hidden name and renamed at the end: a half-written backup never looks done.
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        db_file, media_file = work / DB_FILES[vendor], work / MEDIA_ARCHIVE
        head, count = (_dump_sqlite if vendor == "sqlite" else _dump_postgresql)(db_file)
        manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "created_at": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "vendor": vendor,
            "media_files": _archive_media(media_file),
            "files": {
                p.name: {"sha256": _sha256(p), "size": p.stat().st_size}
                for p in (db_file, media_file)
            },
            "audit": {"head_seq": head[0], "head_mac": head[1], "count": count},
            "keys": _key_fingerprints(),
        }
        manifest["mac"] = _manifest_mac(manifest)
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        (work / MANIFEST).write_text(text, encoding="utf-8")
        for path in (db_file, media_file, work / MANIFEST):
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        if target.exists():  # rename() would silently replace an empty directory
            raise BackupError(f"目标目录已存在：{target}")
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    files = {name: meta["sha256"] for name, meta in manifest["files"].items()}
    changes = {"path": str(target), "vendor": vendor, "audit_head_seq": head[0], "files": files}
    with transaction.atomic():
        audit.record("system.backup", actor=SystemActor("backup"), changes=changes)
    return manifest


def load_manifest(source: Path) -> dict[str, Any]:
    """Read the manifest and check keys, its MAC and every file's SHA-256. Changes nothing."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"无法读取备份清单，这不是有效的备份目录？（{exc}）") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"不支持的备份格式，本程序只能恢复第 {FORMAT_VERSION} 版格式的备份")
    now = _key_fingerprints()
    wrong = [name for name, fp in (manifest.get("keys") or {}).items() if now.get(name) != fp]
    if wrong:
        raise BackupError(
            f"当前密钥文件与备份时不一致（{'、'.join(wrong)}）：恢复后加密字段无法解密、审计日志"
            f"无法校验。请先放回备份时使用的密钥文件（DANGJIAN_KEY_FILE）再恢复。{UNCHANGED}"
        )
    if manifest.get("mac") != _manifest_mac(manifest):
        raise BackupError(f"{MANIFEST} 的校验值不符：清单被改动过或不是本系统生成的。{UNCHANGED}")
    for name, meta in sorted(manifest["files"].items()):
        path = source / name
        present = path.is_file() and path.stat().st_size == meta["size"]
        if not present or _sha256(path) != meta["sha256"]:
            raise BackupError(
                f"备份文件校验失败：{name} 缺失或 SHA-256 与清单不符（已损坏或被改动）。{UNCHANGED}"
            )
    return manifest


def _stage_media(archive: Path) -> Path:
    """Extract into a hidden directory inside MEDIA_ROOT (same filesystem, so moves are renames)."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                path = PurePosixPath(member.name)
                unsafe = path.is_absolute() or ".." in path.parts or not path.parts
                if unsafe or not (member.isfile() or member.isdir()):
                    raise BackupError(
                        f"媒体归档中有绝对路径、“..”、链接或特殊文件：{member.name}。{UNCHANGED}"
                    )
                dest = staging.joinpath(*path.parts)
                if member.isdir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as data, dest.open("wb") as handle:  # type: ignore[union-attr]
                    shutil.copyfileobj(data, handle)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError | tarfile.TarError):
            raise BackupError(f"媒体归档无法解压：{exc}。{UNCHANGED}") from exc
        raise
    return staging


def _swap_media(staging: Path) -> None:
    root = staging.parent
    for entry in root.iterdir():
        if entry != staging:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    for entry in staging.iterdir():
        entry.rename(root / entry.name)
    staging.rmdir()


def _restore_database(vendor: str, dump: Path) -> None:
    connections.close_all()
    if vendor == "sqlite":
        live = Path(str(settings.DATABASES["default"]["NAME"]))
        live.parent.mkdir(parents=True, exist_ok=True)
        # Page-level copy into the live file: no trigger fires, other processes see the new data.
        with (
            contextlib.closing(_read_only(dump)) as src,
            contextlib.closing(sqlite3.connect(live, timeout=30)) as dst,
        ):
            src.backup(dst)
    else:
        # --clean DROPs the tables: the audit triggers refuse UPDATE/DELETE/TRUNCATE, not DROP.
        # One transaction, so a failed restore leaves the database as it was.
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _pg_tool("pg_restore", [*options, str(dump)])


def restore_backup(source: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Overwrite database and media with a backup checked by ``load_manifest``; a summary."""
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"备份来自 {manifest['vendor']}，当前是 {vendor}，不能跨类型恢复。{UNCHANGED}"
        )
    try:
        previous: tuple[int, str] | None = audit.chain_head()
    except DatabaseError:
        previous = None  # a brand-new database has no audit table yet
    staging = _stage_media(source / MEDIA_ARCHIVE)
    try:
        _restore_database(vendor, source / DB_FILES[vendor])
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_media(staging)
    result = audit.verify_chain()
    if not result.ok:
        raise BackupError(
            f"恢复后的审计日志校验失败：第 {result.bad_seq} 条 —— {result.reason}。{LOUD}"
        )
    expected = (manifest["audit"]["head_seq"], manifest["audit"]["head_mac"])
    if audit.chain_head() != expected:
        raise BackupError(f"恢复后的审计链头与备份清单（第 {expected[0]} 条）不符。{LOUD}")
    changes = {"source": str(source), "backup_created_at": manifest["created_at"]}
    changes |= {"backup_head_seq": expected[0], "previous_head": previous}
    with transaction.atomic():
        entry = audit.record("system.restore", actor=SystemActor("restore"), changes=changes)
    # Older checkpoints may point past the restored head; a fresh one keeps verify_audit usable.
    if checkpoint_file().exists():
        write_checkpoint()
    return {"previous_head": previous, "checked": result.checked, "restore_seq": entry.seq}
