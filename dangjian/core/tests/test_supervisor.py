"""The supervisor behind ``manage.py serve``: restart with backoff, the web outliving the worker."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from dangjian.core.rules import Backoff, next_restart_delay, worker_liveness
from dangjian.core.supervisor import ProcessSpec, Supervisor, describe_exit

POLICY = Backoff(initial=1, cap=30, healthy_after=60)


@pytest.mark.parametrize(
    ("previous", "ran_for", "expected"),
    [
        (None, 0.5, 1),  # first death: the initial delay
        (1, 0.5, 2),  # died again at once: doubled
        (2, 3, 4),
        (16, 1, 30),  # doubling stops at the cap
        (30, 1, 30),
        (30, 60, 1),  # ran a healthy while: back to the initial delay
        (8, 3600, 1),
        (0.1, 1, 2),  # a delay below the initial one never shrinks the next
    ],
)
def test_restart_delay(previous, ran_for, expected) -> None:
    assert next_restart_delay(previous, ran_for, POLICY) == expected


@pytest.mark.parametrize(
    ("last_beat", "now", "expected"),
    [
        (None, 1000.0, "never seen"),
        (1000.0, 1000.0, "ok"),
        (970.0, 1000.0, "ok"),  # exactly at the limit still counts
        (969.0, 1000.0, "stale: 31 s"),
        (905.0, 1000.0, "stale: 95 s"),
        (1005.0, 1000.0, "ok"),  # the clock stepped back a little
    ],
)
def test_worker_liveness(last_beat, now, expected) -> None:
    assert worker_liveness(last_beat, now, stale_after=30) == expected


def test_exit_descriptions() -> None:
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(-6) == "killed by SIGABRT"
    assert describe_exit(3) == "exit code 3"


class FakeProcess:
    """Stands in for a Popen; the test decides when it dies."""

    pids = iter(range(1000, 10_000))

    def __init__(self, argv) -> None:
        self.argv = list(argv)
        self.pid = next(self.pids)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        if self.returncode is None:
            self.returncode = -signal.SIGTERM

    def kill(self) -> None:
        self.returncode = -signal.SIGKILL

    def wait(self, timeout=None) -> int:
        assert self.returncode is not None
        return self.returncode


class Harness:
    def __init__(self, specs) -> None:
        self.now = 0.0
        self.spawned: list[FakeProcess] = []
        self.supervisor = Supervisor(
            specs,
            backoff=POLICY,
            spawn=self._spawn,  # type: ignore[arg-type]  # duck-typed Popen
            clock=lambda: self.now,
        )

    def _spawn(self, argv) -> FakeProcess:
        process = FakeProcess(argv)
        self.spawned.append(process)
        return process

    def start(self) -> None:
        for child in self.supervisor.children:
            self.supervisor._start(child)

    def live(self, name: str) -> FakeProcess:
        child = next(c for c in self.supervisor.children if c.spec.name == name)
        assert child.popen is not None, f"{name} is not running"
        return child.popen  # type: ignore[return-value]

    def running(self, name: str) -> bool:
        child = next(c for c in self.supervisor.children if c.spec.name == name)
        return child.popen is not None

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.supervisor.tick()


SPECS = [
    ProcessSpec("web", ["gunicorn"], fatal_startup_window=10),
    ProcessSpec("job worker", ["job_worker"]),
]


def test_dead_worker_restarts_with_backoff_while_the_web_keeps_running(caplog) -> None:
    caplog.set_level(logging.INFO, logger="dangjian.supervisor")
    harness = Harness(SPECS)
    harness.start()
    web = harness.live("web")
    harness.advance(5)
    first = harness.live("job worker")
    first.returncode = -signal.SIGKILL
    harness.advance(0.25)
    assert not harness.running("job worker")
    harness.advance(0.5)
    assert not harness.running("job worker")  # waits its 1 s
    harness.advance(0.5)
    second = harness.live("job worker")
    assert second.pid != first.pid
    # Dies at once twice more: 2 s, then 4 s before the next start.
    second.returncode = -signal.SIGABRT
    harness.advance(0.25)
    harness.advance(2)
    third = harness.live("job worker")
    third.returncode = 1
    harness.advance(0.25)
    harness.advance(3.5)
    assert not harness.running("job worker")
    harness.advance(0.5)
    fourth = harness.live("job worker")
    # After a healthy run a death waits only the initial delay again.
    harness.advance(120)
    fourth.returncode = -signal.SIGKILL
    harness.advance(0.25)
    harness.advance(1.0)
    assert harness.running("job worker")
    assert harness.live("web") is web and web.returncode is None  # never touched
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"pid {first.pid}) died: killed by SIGKILL" in m for m in messages)
    assert any("restarting in 4 s" in m for m in messages)
    assert sum("job worker started" in m for m in messages) == 5
    deaths = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert all(getattr(r, "supervised", "") == "job worker" for r in deaths)


def test_web_that_dies_at_start_up_stops_everything_with_an_error() -> None:
    harness = Harness(SPECS)
    harness.start()
    harness.advance(2)
    harness.live("web").returncode = 1  # e.g. the port is taken
    worker = harness.live("job worker")
    harness.advance(0.1)
    assert harness.supervisor._stopping and harness.supervisor.exit_code == 1
    harness.supervisor._stop_all()
    assert worker.returncode == -signal.SIGTERM


def test_web_that_dies_after_serving_is_restarted() -> None:
    harness = Harness(SPECS)
    harness.start()
    harness.advance(30)
    old = harness.live("web")
    old.returncode = -signal.SIGKILL
    harness.advance(0.1)
    harness.advance(1)
    assert harness.live("web").pid != old.pid
    assert not harness.supervisor._stopping


def test_stop_terminates_every_running_child() -> None:
    harness = Harness(SPECS)
    harness.supervisor.request_stop()
    assert harness.supervisor.run() == 0
    assert [p.returncode for p in harness.spawned] == [-signal.SIGTERM, -signal.SIGTERM]


# --- the real thing: manage.py serve, kill -9 of the job worker ---------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthz(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/healthz", timeout=3) as response:  # noqa: S310
        assert response.status == 200
        return json.loads(response.read())


def _beat(var_dir: Path) -> dict | None:
    try:
        return json.loads((var_dir / "run" / "job-worker.json").read_text())
    except (OSError, ValueError):
        return None


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_kill_9_of_the_job_worker_leaves_the_site_serving_and_the_worker_back() -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="dangjian-serve-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DANGJIAN_", "DATABASE_URL"))}
    env.update(
        DANGJIAN_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="dangjian.settings",
        WORKER_HEARTBEAT_SECONDS="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    url = f"http://127.0.0.1:{_free_port()}"
    log = (var_dir / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", url.rsplit(":", 1)[1], "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(lambda: _healthz(url)["status"] == "ok", 30, "a healthy start")
        first = _beat(var_dir)
        assert first is not None
        os.kill(first["pid"], signal.SIGKILL)
        assert _healthz(url)["checks"]["database"] == "ok"  # the web never noticed
        second = _wait(
            lambda: (beat := _beat(var_dir)) and beat["pid"] != first["pid"] and beat,
            20,  # generous for a loaded CI machine; it takes about 2 s
            "a restarted worker's heartbeat",
        )
        assert _alive(second["pid"]) and not _alive(first["pid"])
        assert _healthz(url) == {
            "status": "ok",
            "checks": {"database": "ok", "audit": "ok", "worker": "ok", "scheduler": "ok"},
        }
        assert serve.poll() is None
    finally:
        serve.send_signal(signal.SIGTERM)
        returncode = serve.wait(timeout=30)
        log.close()
    output = (var_dir / "serve.log").read_text()
    assert f"pid {first['pid']}) died: killed by SIGKILL" in output
    assert returncode == 0
    assert not _alive(second["pid"])  # SIGTERM stopped the children too
    import shutil

    shutil.rmtree(var_dir, ignore_errors=True)
