"""The job worker's heartbeat, /healthz's view of it, and the sweeps the heartbeat thread runs."""

from __future__ import annotations

import logging
import os
import time

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.core.heartbeat import read_beat, write_beat
from dangjian.core.management.commands.job_worker import Heartbeat, Periodic, periodic_sweeps
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.tests.helpers import new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def heartbeat_file(settings, tmp_path):
    settings.WORKER_HEARTBEAT_FILE = tmp_path / "run" / "job-worker.json"
    settings.WORKER_STALE_SECONDS = 30
    return settings.WORKER_HEARTBEAT_FILE


def test_healthz_reports_a_stale_worker_as_degraded_but_answers_200(heartbeat_file) -> None:
    write_beat("w1", now=time.time() - 95)
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "audit": "ok", "worker": "stale: 95 s"},
    }


@pytest.mark.parametrize("content", [None, "", "{not json", '{"pid": 1}', '["a"]'])
def test_healthz_reports_a_worker_never_seen(heartbeat_file, content) -> None:
    if content is not None:
        heartbeat_file.parent.mkdir(parents=True)
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
    assert [p.name for p in heartbeat_file.parent.iterdir()] == ["job-worker.json"]  # no scratch


def test_heartbeat_thread_beats_and_runs_sweeps_when_due(heartbeat_file, caplog) -> None:
    calls: list[str] = []

    def broken(now) -> None:
        calls.append("broken")
        raise RuntimeError("database is locked")

    sweeps = [
        Periodic("broken", 10, broken),
        Periodic("counting", 30, lambda now: calls.append("counting")),
    ]
    heartbeat = Heartbeat("w3", sweeps, interval=5)
    heartbeat.beat_once(100.0)
    assert calls == ["broken", "counting"]  # a failing sweep does not stop the others
    assert "periodic sweep failed: broken" in caplog.text
    assert read_beat() is not None
    heartbeat.beat_once(105.0)
    assert calls == ["broken", "counting"]  # not due yet
    heartbeat.beat_once(110.0)
    assert calls == ["broken", "counting", "broken"]
    heartbeat.beat_once(130.0)
    assert calls[-1] == "counting"


def test_periodic_sweep_fails_an_import_whose_worker_died(
    heartbeat_file, settings, tmp_path, user, caplog
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    secretary = user("secretary1")
    upload = workbook([row("心跳", new_id())])
    job = jobs.store_upload(upload, "a.xlsx", actor=secretary, org=secretary.grants.first().node)
    running = jobs.store_upload(
        upload, "b.xlsx", actor=secretary, org=secretary.grants.first().node
    )
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, heartbeat_at=now - jobs.stale_after() * 2
    )
    ImportJob.objects.filter(pk=running.pk).update(status=ImportStatus.IMPORTING, heartbeat_at=now)
    caplog.set_level(logging.WARNING, logger="dangjian.worker")
    Heartbeat("w4", periodic_sweeps(), interval=5).beat_once(time.monotonic())
    job.refresh_from_db()
    running.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "可重试" in job.message
    assert running.status == ImportStatus.IMPORTING
    assert "1 import job(s) without a heartbeat marked failed" in caplog.text
