"""Restore drill: back up, change things, restore, and check that everything came back.

The real commands run as subprocesses against throw-away databases, never the test database: the
audit table refuses DELETE/TRUNCATE by design, so flush-based fixtures cannot be used here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dj_database_url
import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from dangjian.core.backup import BackupError, _stage_media

BASE_DIR = Path(settings.BASE_DIR)
_PG_URL = os.environ.get("DATABASE_URL", "")
_PG = dj_database_url.parse(_PG_URL) if _PG_URL else None
# The PostgreSQL variant exists only when the suite itself runs on PostgreSQL (as CI does).
BACKENDS = ["sqlite"] + (["postgresql"] if _PG and "postgresql" in _PG["ENGINE"] else [])

ORGS = (
    "import json; from dangjian.orgs.models import OrgNode as O; "
    "rows = O.objects.order_by('code').values_list('code', 'name', 'path', 'kind'); "
    "print(json.dumps(list(rows), ensure_ascii=False))"
)
LAST_AUDIT = (
    "import json; from dangjian.core.models import AuditEntry as A; "
    "e = A.objects.order_by('-seq').first(); print(json.dumps([e.seq, e.action]))"
)
CREATE_ORG = """
from dangjian.core.actors import SystemActor
from dangjian.core.context import command_context
from dangjian.orgs.models import OrgNode
from dangjian.orgs.services import create_org
with command_context("drill"):
    create_org(actor=SystemActor("drill"), parent=OrgNode.objects.get(code="XC"), kind="group",
               code="AFTER-BACKUP", name="备份之后新建的集团")
print("null")
"""


@dataclass(frozen=True)
class Site:
    """One throw-away installation: a var dir (keys, SQLite file, media) and a database URL."""

    var_dir: Path
    database_url: str

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # Drop every DANGJIAN_* setting so keys, media and checkpoints all live in var_dir.
        env = {k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")}
        env.update(DANGJIAN_VAR_DIR=str(self.var_dir), DATABASE_URL=self.database_url)
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(args)} → {done.returncode}\n{done.stdout}{done.stderr}"
            )
        return done

    def shell(self, code: str) -> Any:
        return json.loads(self.run("shell", "-v", "0", "-c", code).stdout.strip().splitlines()[-1])


def _admin() -> psycopg.Connection[Any]:
    assert _PG is not None
    return psycopg.connect(
        host=_PG.get("HOST") or "127.0.0.1",
        port=int(_PG.get("PORT") or 5432),
        user=_PG.get("USER") or "postgres",
        password=_PG.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _pg_url(name: str) -> str:
    assert _PG is not None
    user = quote(str(_PG.get("USER") or "postgres"), safe="")
    password = f":{quote(str(_PG['PASSWORD']), safe='')}" if _PG.get("PASSWORD") else ""
    host, port = _PG.get("HOST") or "127.0.0.1", _PG.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def _create_db(name: str, template: str | None = None) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin() as conn:
        conn.execute(statement)


def _drop_db(name: str) -> None:
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Site]]:
    """One migrated demo installation per backend; each test works on a copy of it."""
    made: dict[str, Site] = {}
    dropped: list[str] = []

    def get(backend: str) -> Site:
        if backend not in made:
            var_dir = tmp_path_factory.mktemp(f"template-{backend}")
            url = ""
            if backend == "postgresql":
                name = f"dj_backup_tpl_{uuid.uuid4().hex[:10]}"
                _create_db(name)
                dropped.append(name)
                url = _pg_url(name)
            site = Site(var_dir, url)
            site.run("migrate", "--noinput", "-v", "0")
            site.run("load_demo", "--quiet-accounts")
            made[backend] = site
        return made[backend]

    yield get
    for name in dropped:
        _drop_db(name)


@pytest.fixture
def site(
    request: pytest.FixtureRequest, template: Callable[[str], Site], tmp_path: Path
) -> Iterator[Site]:
    base = template(request.param)
    var_dir = tmp_path / "var"
    shutil.copytree(base.var_dir, var_dir)  # same keys.json: the chain's MAC key must match
    if request.param == "sqlite":
        yield Site(var_dir, "")
        return
    name = f"dj_backup_{uuid.uuid4().hex[:10]}"
    _create_db(name, template=base.database_url.rsplit("/", 1)[1])
    try:
        yield Site(var_dir, _pg_url(name))
    finally:
        _drop_db(name)


PAYLOAD = bytes(range(256)) * 64 + "会议纪要".encode()


@pytest.mark.slow
@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_restore_drill(site: Site, tmp_path: Path) -> None:
    media = site.var_dir / "media"
    (media / "minutes").mkdir(parents=True)
    (media / "minutes" / "2026-11.bin").write_bytes(PAYLOAD)
    before = site.shell(ORGS)
    backup = tmp_path / "bk"

    out = site.run("backup", "--output", str(backup)).stdout
    assert "备份完成" in out and str(backup) in out
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["vendor"] == ("sqlite" if not site.database_url else "postgresql")
    assert manifest["audit"]["count"] == manifest["audit"]["head_seq"] > 50
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    assert site.shell(LAST_AUDIT)[1] == "system.backup"

    # Life goes on after the backup: a new org, a lost file, a new file.
    site.shell(CREATE_ORG)
    (media / "minutes" / "2026-11.bin").unlink()
    (media / "later.txt").write_text("备份之后", encoding="utf-8")
    assert "AFTER-BACKUP" in {row[0] for row in site.shell(ORGS)}

    out = site.run("restore", str(backup), "--yes").stdout
    assert "恢复完成" in out

    assert site.shell(ORGS) == before
    assert (media / "minutes" / "2026-11.bin").read_bytes() == PAYLOAD
    assert not (media / "later.txt").exists()
    assert not [p for p in media.iterdir() if p.name.startswith(".restore-")]
    assert "审计日志校验通过" in site.run("verify_audit").stdout
    assert site.shell(LAST_AUDIT) == [manifest["audit"]["head_seq"] + 1, "system.restore"]


@pytest.mark.slow
@pytest.mark.parametrize("site", BACKENDS, indirect=True)
def test_tampered_backup_is_refused_and_changes_nothing(site: Site, tmp_path: Path) -> None:
    backup = tmp_path / "bk"
    site.run("backup", "--output", str(backup))
    site.shell(CREATE_ORG)  # so that a restore, had it happened, would be visible
    before = (site.shell(ORGS), site.shell(LAST_AUDIT))
    db_file = next(p for p in backup.iterdir() if p.name.startswith("database."))
    data = bytearray(db_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db_file.write_bytes(bytes(data))

    done = site.run("restore", str(backup), "--yes", check=False)
    assert done.returncode != 0
    assert db_file.name in done.stderr and "SHA-256" in done.stderr

    # Forging the manifest to match the tampered file does not help: the manifest is MACed.
    manifest_file = backup / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["files"][db_file.name]["sha256"] = hashlib.sha256(data).hexdigest()
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    done = site.run("restore", str(backup), "--yes", check=False)
    assert done.returncode != 0 and "校验值不符" in done.stderr

    assert (site.shell(ORGS), site.shell(LAST_AUDIT)) == before


@pytest.mark.slow
@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_restore_requires_yes(site: Site, tmp_path: Path) -> None:
    backup = tmp_path / "bk"
    site.run("backup", "--output", str(backup))
    site.shell(CREATE_ORG)
    done = site.run("restore", str(backup), check=False)
    assert done.returncode != 0 and "--yes" in done.stderr
    assert "AFTER-BACKUP" in {row[0] for row in site.shell(ORGS)}


def _tar(path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(member, io.BytesIO(data) if data else None)
    return path


@pytest.mark.parametrize(
    "name,kind",
    [("../escape.txt", tarfile.REGTYPE), ("/etc/escape", tarfile.REGTYPE), ("ln", tarfile.SYMTYPE)],
    ids=["dotdot", "absolute", "symlink"],
)
def test_unsafe_media_archive_is_refused(
    name: str, kind: bytes, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    member = tarfile.TarInfo(name)
    member.type, member.linkname = kind, "/etc/passwd" if kind == tarfile.SYMTYPE else ""
    member.size = 2 if kind == tarfile.REGTYPE else 0
    archive = _tar(tmp_path / "media.tar.gz", member, b"no" if member.size else b"")
    with pytest.raises(BackupError, match="媒体归档中有"):
        _stage_media(archive)
    assert list((tmp_path / "media").iterdir()) == []  # staging removed, nothing written
    assert not (tmp_path / "escape.txt").exists()
