"""``manage.py job_worker``: django-tasks-db's ``db_worker`` loop plus a heartbeat thread.

The thread writes the heartbeat file every ``WORKER_HEARTBEAT_SECONDS`` (while idle and while a
task runs, since the task runs on the main thread) and runs the periodic sweeps: import jobs
whose worker died become failed and retryable, expired uploads are deleted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from dangjian.core import clock
from dangjian.core.heartbeat import write_beat

logger = logging.getLogger("dangjian.worker")


def _fail_stale_imports(now: datetime) -> None:
    from dangjian.members.workbook.jobs import mark_stale_failed

    failed = mark_stale_failed(now)
    if failed:
        logger.warning("%s import job(s) without a heartbeat marked failed", failed)


def _purge_expired_uploads(now: datetime) -> None:
    from dangjian.members.workbook.retention import purge_expired_uploads

    purge_expired_uploads(now)


@dataclass
class Periodic:
    name: str
    every_seconds: float
    run: Callable[[datetime], None]
    next_at: float = 0.0  # due at once: a restarted worker sweeps straight away


def periodic_sweeps() -> list[Periodic]:
    return [
        Periodic("stale import jobs", 30, _fail_stale_imports),
        Periodic("expired import uploads", 3600, _purge_expired_uploads),
    ]


class Heartbeat(threading.Thread):
    def __init__(self, worker_id: str, sweeps: list[Periodic], interval: float) -> None:
        super().__init__(name="job-worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.sweeps = sweeps
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.beat_once(time.monotonic())
            self.stopped.wait(self.interval)

    def beat_once(self, monotonic_now: float) -> None:
        try:
            write_beat(self.worker_id)
        except OSError:
            logger.exception("could not write the job worker heartbeat")
        for sweep in self.sweeps:
            if monotonic_now < sweep.next_at:
                continue
            sweep.next_at = monotonic_now + sweep.every_seconds
            try:
                sweep.run(clock.now())
            except Exception:
                # A locked SQLite database or a lost connection: try again next time round.
                logger.exception("periodic sweep failed: %s", sweep.name)
            finally:
                # This thread's own connection: not held between beats (a test calling
                # beat_once inside its transaction keeps the one it has).
                if not connection.in_atomic_block:
                    connection.close()


class Command(DbWorkerCommand):
    help = "Run the background job worker with a heartbeat and the periodic sweeps."

    def handle(self, *args: Any, **options: Any) -> None:
        # The supervisor (serve, systemd) restarts the worker; the autoreloader's extra parent
        # process would beat without running tasks.
        options["reload"] = False
        heartbeat = Heartbeat(
            options["worker_id"], periodic_sweeps(), float(settings.WORKER_HEARTBEAT_SECONDS)
        )
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stopped.set()
