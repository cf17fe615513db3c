"""A small process supervisor for ``manage.py serve``: the web server, the job worker and any
later process (the scheduler) are entries in one list of specs.

A dead process is restarted after a backoff (``core.rules.next_restart_delay``) while the others
keep running, so losing the job worker never takes the website down. Every start and death is
logged through the ``dangjian.supervisor`` logger (JSON lines, like the rest of the platform).
Production runs the same commands under systemd instead (``deploy/``).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dangjian.core.rules import Backoff, next_restart_delay

logger = logging.getLogger("dangjian.supervisor")


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    # A process that dies within this many seconds of its very first start is misconfigured
    # (port taken, broken settings): retrying cannot help, so the supervisor stops everything and
    # exits non-zero. ``None``: always restart (the job worker, which a hostile upload may kill).
    fatal_startup_window: float | None = None


@dataclass
class _Child:
    spec: ProcessSpec
    popen: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    delay: float | None = None
    starts: int = 0
    pids: list[int] = field(default_factory=list)


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


class Supervisor:
    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        *,
        backoff: Backoff | None = None,
        poll_seconds: float = 0.2,
        stop_timeout: float = 15.0,
        spawn: Callable[[Sequence[str]], subprocess.Popen[bytes]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = [_Child(spec) for spec in specs]
        self.backoff = backoff or Backoff()
        self.poll_seconds = poll_seconds
        self.stop_timeout = stop_timeout
        # The argv comes from ProcessSpecs built in code (serve), never from input.
        self._spawn = spawn or (lambda argv: subprocess.Popen(list(argv)))  # noqa: S603
        self._clock = clock
        self._stopping = False
        self.exit_code = 0

    def request_stop(self, *_: Any) -> None:
        """Signal handler: leave the loop; ``run`` then stops every child."""
        self._stopping = True

    def run(self) -> int:
        try:
            for child in self.children:
                self._start(child)
            while not self._stopping:
                self.tick()
                if not self._stopping:
                    time.sleep(self.poll_seconds)
        finally:
            self._stop_all()
        return self.exit_code

    def tick(self) -> None:
        """One pass: notice deaths, schedule restarts, start what is due."""
        now = self._clock()
        for child in self.children:
            if self._stopping:
                return
            if child.popen is None:
                if now >= child.restart_at:
                    self._start(child)
                continue
            returncode = child.popen.poll()
            if returncode is not None:
                self._died(child, returncode, now)

    def _start(self, child: _Child) -> None:
        child.popen = self._spawn(child.spec.argv)
        child.started_at = self._clock()
        child.starts += 1
        child.pids.append(child.popen.pid)
        logger.info(
            "%s started (pid %s, start #%s)",
            child.spec.name,
            child.popen.pid,
            child.starts,
            extra={"supervised": child.spec.name, "pid": child.popen.pid, "start": child.starts},
        )

    def _died(self, child: _Child, returncode: int, now: float) -> None:
        assert child.popen is not None
        pid, ran_for = child.popen.pid, now - child.started_at
        child.popen = None
        details = {"supervised": child.spec.name, "pid": pid, "returncode": returncode}
        window = child.spec.fatal_startup_window
        if window is not None and child.starts == 1 and ran_for < window:
            logger.error(
                "%s (pid %s) failed at start-up: %s after %.1f s; stopping the platform",
                child.spec.name,
                pid,
                describe_exit(returncode),
                ran_for,
                extra=details,
            )
            self.exit_code = returncode if returncode > 0 else 1
            self._stopping = True
            return
        child.delay = next_restart_delay(child.delay, ran_for, self.backoff)
        child.restart_at = now + child.delay
        logger.warning(
            "%s (pid %s) died: %s after %.1f s; restarting in %.0f s",
            child.spec.name,
            pid,
            describe_exit(returncode),
            ran_for,
            child.delay,
            extra={**details, "ran_for": round(ran_for, 1), "restart_in": child.delay},
        )

    def _stop_all(self) -> None:
        running = [c for c in self.children if c.popen is not None and c.popen.poll() is None]
        for child in running:
            assert child.popen is not None
            child.popen.terminate()
        deadline = self._clock() + self.stop_timeout
        for child in running:
            assert child.popen is not None
            try:
                child.popen.wait(timeout=max(0.1, deadline - self._clock()))
            except subprocess.TimeoutExpired:
                logger.warning(
                    "%s (pid %s) ignored SIGTERM; killing it",
                    child.spec.name,
                    child.popen.pid,
                    extra={"supervised": child.spec.name, "pid": child.popen.pid},
                )
                child.popen.kill()
                child.popen.wait()
