"""The job worker's heartbeat: a small JSON file under the var directory, replaced atomically.

A file, not a database row: on SQLite an import holds the only write lock for its whole
transaction, so a row update would stall exactly when a beat matters most. The web and the worker
already share the var directory (uploads live in its media folder), so both can see the file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dangjian.core import clock
from dangjian.core.rules import worker_liveness


@dataclass(frozen=True)
class Beat:
    pid: int
    at: float  # epoch seconds
    worker_id: str


def heartbeat_path() -> Path:
    return Path(settings.WORKER_HEARTBEAT_FILE)


def write_beat(worker_id: str, *, now: float | None = None, path: Path | None = None) -> None:
    target = path or heartbeat_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "pid": os.getpid(),
        "at": clock.epoch_seconds() if now is None else now,
        "worker_id": worker_id,
    }
    scratch = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    scratch.write_text(json.dumps(payload))
    os.replace(scratch, target)  # readers never see a half-written file


def read_beat(path: Path | None = None) -> Beat | None:
    """The last beat, or ``None`` when there is none or it cannot be read."""
    try:
        payload = json.loads((path or heartbeat_path()).read_text())
        return Beat(
            pid=int(payload["pid"]), at=float(payload["at"]), worker_id=payload["worker_id"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def worker_check(now: float | None = None) -> str:
    """The health check's view of the worker: ``ok``, ``stale: N s`` or ``never seen``."""
    beat = read_beat()
    return worker_liveness(
        beat.at if beat else None,
        clock.epoch_seconds() if now is None else now,
        settings.WORKER_STALE_SECONDS,
    )
