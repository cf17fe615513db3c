"""The job worker's and the scheduler's heartbeats and /healthz's view of them."""

from __future__ import annotations

import os
import time

import pytest
from django.test import Client

from dangjian.core.heartbeat import BeatThread, read_beat, write_beat

pytestmark = pytest.mark.django_db


@pytest.fixture
def heartbeat_file(settings, tmp_path):
    settings.WORKER_HEARTBEAT_FILE = tmp_path / "run" / "job-worker.json"
    settings.WORKER_STALE_SECONDS = 30
    settings.SCHEDULER_HEARTBEAT_FILE = tmp_path / "run" / "scheduler.json"
    settings.SCHEDULER_STALE_SECONDS = 30
    write_beat("scheduler", path=settings.SCHEDULER_HEARTBEAT_FILE)  # only the worker is tested
    return settings.WORKER_HEARTBEAT_FILE


def test_healthz_reports_a_stale_worker_as_degraded_but_answers_200(heartbeat_file) -> None:
    write_beat("w1", now=time.time() - 95)
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "audit": "ok", "worker": "stale: 95 s", "scheduler": "ok"},
    }


def test_healthz_reports_a_stale_scheduler_as_degraded(heartbeat_file, settings) -> None:
    write_beat("w0")
    write_beat("s0", now=time.time() - 40, path=settings.SCHEDULER_HEARTBEAT_FILE)
    body = Client().get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"] == "ok"
    assert body["checks"]["scheduler"] == "stale: 40 s"
    settings.SCHEDULER_HEARTBEAT_FILE.unlink()
    assert Client().get("/healthz").json()["checks"]["scheduler"] == "never seen"


@pytest.mark.parametrize("content", [None, "", "{not json", '{"pid": 1}', '["a"]'])
def test_healthz_reports_a_worker_never_seen(heartbeat_file, content) -> None:
    if content is not None:
        heartbeat_file.parent.mkdir(parents=True, exist_ok=True)
        heartbeat_file.write_text(content)
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"] == "never seen"


def test_a_fresh_beat_is_ok_and_names_its_process(heartbeat_file) -> None:
    write_beat("w2")
    beat = read_beat()
    assert beat is not None and beat.pid == os.getpid() and beat.worker_id == "w2"
    assert Client().get("/healthz").json()["status"] == "ok"
    names = sorted(p.name for p in heartbeat_file.parent.iterdir())
    assert names == ["job-worker.json", "scheduler.json"]  # no scratch files left


def test_beat_thread_writes_and_survives_an_unwritable_file(heartbeat_file, caplog) -> None:
    thread = BeatThread("w3", interval=5)
    thread.beat_once()
    beat = read_beat()
    assert beat is not None and beat.worker_id == "w3"
    blocked = heartbeat_file.parent / "blocked"
    blocked.write_text("a file where a folder should be")
    BeatThread("w4", interval=5, path=blocked / "beat.json").beat_once()
    assert "could not write the heartbeat of w4" in caplog.text
