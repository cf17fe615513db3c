"""Heartbeats of the background processes (the job worker, the scheduler): a small JSON file
each under the var directory, replaced atomically, written by a thread of the process.

A file, not a database row: on SQLite an import holds the only write lock for its whole
transaction, so a row update would stall exactly when a beat matters most. The web and the worker
already share the var directory (uploads live in its media folder), so both can see the file.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dangjian.core import clock
from dangjian.core.rules import worker_liveness

logger = logging.getLogger("dangjian.heartbeat")


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


def scheduler_heartbeat_path() -> Path:
    return Path(settings.SCHEDULER_HEARTBEAT_FILE)


def scheduler_check(now: float | None = None) -> str:
    """The health check's view of the scheduler, read like the worker's."""
    beat = read_beat(scheduler_heartbeat_path())
    return worker_liveness(
        beat.at if beat else None,
        clock.epoch_seconds() if now is None else now,
        settings.SCHEDULER_STALE_SECONDS,
    )


class BeatThread(threading.Thread):
    """Writes a process's heartbeat every ``interval`` seconds, also while its main thread is
    busy with a long task (an import, a backup)."""

    def __init__(self, process_id: str, *, interval: float, path: Path | None = None) -> None:
        super().__init__(name=f"heartbeat-{process_id}", daemon=True)
        self.process_id = process_id
        self.interval = interval
        self.path = path
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.beat_once()
            self.stopped.wait(self.interval)

    def beat_once(self) -> None:
        try:
            write_beat(self.process_id, path=self.path)
        except OSError:
            logger.exception("could not write the heartbeat of %s", self.process_id)
