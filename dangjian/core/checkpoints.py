"""Audit checkpoints kept outside the database, so a truncated tail cannot go unnoticed.

The chain alone proves no entry was altered, but deleting the newest entries leaves a shorter,
still-valid chain. Each checkpoint line records (seq, mac) of the head at a moment, itself MACed;
verification then insists that the entry at that seq still exists with that mac.

Every clean verification appends a checkpoint (``verify_audit``; ``serve`` runs one at start, the
scheduler nightly), so the window an attacker could truncate unseen is the time since the last
verification. The file lives in the var directory, not in the database, the media directory or
the backups: a copy restored together with the database would prove nothing. Each checkpoint is
also written to the log, so a log shipper keeps a copy off the host (ADR 0001).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dangjian.core import clock
from dangjian.core.audit import chain_head
from dangjian.core.crypto import hmac_sm3
from dangjian.core.models import AuditEntry

logger = logging.getLogger("dangjian.audit")


def checkpoint_file() -> Path:
    return Path(
        os.environ.get(
            "DANGJIAN_AUDIT_CHECKPOINTS", str(Path(settings.VAR_DIR) / "audit-checkpoints.jsonl")
        )
    )


def _line_mac(seq: int, mac: str, at: str) -> str:
    return hmac_sm3(settings.KEYRING.audit_mac_key, f"{seq}|{mac}|{at}".encode()).hex()


def write_checkpoint() -> tuple[int, str]:
    seq, mac = chain_head()
    at = clock.now().isoformat()
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"seq": seq, "mac": mac, "at": at, "sig": _line_mac(seq, mac, at)}) + "\n"
    # One O_APPEND write of a short line, flushed to disk: two verifications running at once
    # cannot interleave, and a crash cannot leave half a line to be read as tampering.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    logger.info("audit checkpoint", extra={"checkpoint_seq": seq, "checkpoint_mac": mac})
    return seq, mac


@dataclass(frozen=True)
class CheckpointCheck:
    """``problem``: the checkpoint contradicts the log (tampering). ``warning``: there is no
    usable checkpoint, so a truncated tail could not have been seen."""

    problem: str | None = None
    warning: str | None = None


def check_latest_checkpoint() -> CheckpointCheck:
    path = checkpoint_file()
    if not path.exists():
        return CheckpointCheck(
            warning=f"没有审计检查点文件（{path}），无法发现日志尾部被删除的记录"
        )
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return CheckpointCheck(
            warning=f"审计检查点文件为空（{path}），可能已被清空，无法发现日志尾部被删除的记录"
        )
    try:
        point = json.loads(lines[-1])
        seq, mac, at, sig = int(point["seq"]), str(point["mac"]), str(point["at"]), point["sig"]
    except (ValueError, TypeError, KeyError):
        return CheckpointCheck(problem="检查点文件最后一行无法读取（检查点文件损坏或被改动）")
    if sig != _line_mac(seq, mac, at):
        return CheckpointCheck(problem="检查点文件最后一行的签名不正确（检查点文件被改动）")
    if seq == 0:
        return CheckpointCheck()
    stored = AuditEntry.objects.filter(seq=seq).values_list("mac", flat=True).first()
    if stored is None:
        return CheckpointCheck(problem=f"检查点记录的第 {seq} 条审计记录已不存在（日志尾部被截断）")
    if stored != mac:
        return CheckpointCheck(problem=f"第 {seq} 条审计记录与检查点不一致")
    return CheckpointCheck()


def start_background_verification() -> subprocess.Popen[bytes]:
    """``manage.py verify_audit`` in a child process, so start-up is not held up by a long
    chain; its verdict and the new checkpoint go to the console and the log."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    return subprocess.Popen([sys.executable, str(manage), "verify_audit"])  # noqa: S603
