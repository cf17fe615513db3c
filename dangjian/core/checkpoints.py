"""Audit checkpoints kept outside the database, so a truncated tail cannot go unnoticed.

The chain alone proves no entry was altered, but deleting the newest entries leaves a shorter,
still-valid chain. Each checkpoint line records (seq, mac) of the head at a moment, itself MACed;
verification then insists that the entry at that seq still exists with that mac.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from dangjian.core.audit import chain_head
from dangjian.core.crypto import hmac_sm3
from dangjian.core.models import AuditEntry


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
    at = datetime.now(UTC).isoformat()
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            json.dumps({"seq": seq, "mac": mac, "at": at, "sig": _line_mac(seq, mac, at)}) + "\n"
        )
    return seq, mac


def check_latest_checkpoint() -> str | None:
    """A Chinese problem description, or ``None`` when the newest checkpoint still holds."""
    path = checkpoint_file()
    if not path.exists():
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return None
    point = json.loads(lines[-1])
    if point.get("sig") != _line_mac(int(point["seq"]), str(point["mac"]), str(point["at"])):
        return "检查点文件最后一行的签名不正确（检查点文件被改动）"
    seq = int(point["seq"])
    if seq == 0:
        return None
    mac = AuditEntry.objects.filter(seq=seq).values_list("mac", flat=True).first()
    if mac is None:
        return f"检查点记录的第 {seq} 条审计记录已不存在（日志尾部被截断）"
    if mac != point["mac"]:
        return f"第 {seq} 条审计记录与检查点不一致"
    return None
