"""The scheduler process's loop: a pass over the registered jobs every few seconds.

This is the one place the scheduler reads the clock (``clock``, ``timezone.now`` by default);
everything below it takes ``now`` from here.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime

from django.db import connection
from django.utils import timezone

from dangjian.core.scheduler.models import ScheduledRun
from dangjian.core.scheduler.registry import PeriodicJob, registered_jobs
from dangjian.core.scheduler.services import run_due_jobs

logger = logging.getLogger("dangjian.scheduler")


def runner_id() -> str:
    """Names this runner in leases and run rows: host, process and a random part (a restarted
    process with a recycled pid is still another runner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SchedulerLoop:
    def __init__(
        self,
        *,
        holder: str,
        tick_seconds: float,
        jobs: Callable[[], list[PeriodicJob]] = registered_jobs,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.holder = holder
        self.tick_seconds = tick_seconds
        self.jobs = jobs
        self.clock = clock

    def tick(self) -> list[ScheduledRun]:
        """One pass. A pass that fails as a whole (database locked or gone) is logged and the
        next pass tries again; a failing job is recorded by ``run_due_jobs`` itself."""
        try:
            return run_due_jobs(self.jobs(), holder=self.holder, clock=self.clock)
        except Exception:
            logger.exception("scheduler pass failed")
            return []
        finally:
            # Not held between passes (a test calling tick inside its transaction keeps it).
            if not connection.in_atomic_block:
                connection.close()

    def run(self, stopped: threading.Event) -> None:
        logger.info("scheduler started", extra={"holder": self.holder})
        while not stopped.is_set():
            self.tick()
            stopped.wait(self.tick_seconds)
        logger.info("scheduler stopped", extra={"holder": self.holder})
