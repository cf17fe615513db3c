"""Shared fixtures. The demo county is built once per test session, by the same code as
``manage.py load_demo``; every test then runs inside a rolled-back transaction."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from dangjian.core.context import command_context
from dangjian.testkit.clients import login
from dangjian.testkit.clock import session_traveller

DEMO_PASSWORD = "Demo-Passw0rd!2026"

# The real-server and browser fixtures (``live``, ``browser``) for @pytest.mark.browser tests.
pytest_plugins = ["dangjian.testkit.live"]


# ``DANGJIAN_TEST_CLOCK=2028-03-01`` moves the whole session, demo county included.
_TRAVELLER = session_traveller()


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    if _TRAVELLER is not None:
        _TRAVELLER.start()

    # Templates find the static sources: the test client needs no collectstatic (the browser
    # tests' server collects and serves the hashed, compressed files, ADR 0028).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    # An audit entry written under an undeclared name fails the test that wrote it.
    settings.AUDIT_STRICT_NAMES = True
    # Still Argon2 (the production hasher family), at a cost that keeps the suite fast.
    settings.PASSWORD_HASHERS = ["dangjian.testkit.hashers.FastArgon2PasswordHasher"]
    # Background tasks run in-process during tests; the worker path is the same function.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # No heartbeat unless a test writes one (``worker_alive``): a worker running from var/ on
    # this machine must not decide what /healthz answers in tests.
    settings.WORKER_HEARTBEAT_FILE = Path(tempfile.gettempdir()) / f"dangjian-test-{os.getpid()}.hb"
    settings.SCHEDULER_HEARTBEAT_FILE = (
        Path(tempfile.gettempdir()) / f"dangjian-test-{os.getpid()}.scheduler.hb"
    )


def pytest_unconfigure(config: Any) -> None:
    if _TRAVELLER is not None:
        _TRAVELLER.stop()


def pytest_report_header(config: Any) -> str | None:
    from dangjian.core import clock

    return f"clock: travelled to {clock.now().isoformat()}" if _TRAVELLER is not None else None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from dangjian.demo.builder import build_demo_county

    with django_db_blocker.unblock(), command_context("tests"):
        build_demo_county(password=DEMO_PASSWORD)


@pytest.fixture(autouse=True)
def _audit_checkpoints_in_tmp(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clean ``verify_audit`` writes a checkpoint; keep the test database's out of var/."""
    monkeypatch.setenv("DANGJIAN_AUDIT_CHECKPOINTS", str(tmp_path / "audit-checkpoints.jsonl"))


@pytest.fixture
def org(db: Any) -> Any:
    """``org("CT01-ZB1")`` → the demo node with that code."""
    from dangjian.orgs.models import OrgNode

    def get(code: str) -> OrgNode:
        return OrgNode.objects.get(code=code)

    return get


@pytest.fixture
def user(db: Any) -> Any:
    from dangjian.accounts.models import User

    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


@pytest.fixture
def client_for(db: Any) -> Any:
    """``client_for("secretary1")`` → a logged-in test client for that demo account."""
    from dangjian.accounts.models import User

    def make(username: str) -> Client:
        return login(Client(), User.objects.get(username=username))

    return make


@pytest.fixture
def worker_alive(settings: Any, tmp_path: Path) -> Path:
    """Job worker and scheduler heartbeats written just now, in files of this test's own."""
    from dangjian.core.heartbeat import write_beat

    settings.WORKER_HEARTBEAT_FILE = tmp_path / "job-worker.json"
    settings.SCHEDULER_HEARTBEAT_FILE = tmp_path / "scheduler.json"
    write_beat("test-worker")
    write_beat("test-scheduler", path=settings.SCHEDULER_HEARTBEAT_FILE)
    return settings.WORKER_HEARTBEAT_FILE
