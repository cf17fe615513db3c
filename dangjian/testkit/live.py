"""A real server for browser tests, on its own throw-away database.

pytest-django's ``live_server`` empties tables between tests with DELETE/TRUNCATE, which the audit
log's triggers refuse by design (ADR 0001). Instead this starts ``migrate``, ``load_demo`` and
gunicorn as subprocesses against a fresh SQLite file (or a fresh PostgreSQL database when the suite
runs on PostgreSQL) and drops the whole database afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings

PASSWORD = "Demo-Passw0rd!2026"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return result.stdout


def sign_in(browser: Any, live: LiveServer, username: str, *, page: Any = None) -> Any:
    """A browser page signed in as ``username`` with the demo password, on the home page."""
    page = page or browser.new_page()
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live.url}/")
    return page


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
        timeout=60,
    )


@contextmanager
def throwaway_environment(prefix: str, **extra: str) -> Iterator[dict[str, str]]:
    """The environment for real ``manage.py`` processes on a fresh var directory and a fresh
    database of the suite's kind (an SQLite file there, or a new PostgreSQL database when the
    suite runs on PostgreSQL); both are removed afterwards."""
    var_dir = Path(tempfile.mkdtemp(prefix=f"dangjian-{prefix}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")}
    env.update(DANGJIAN_VAR_DIR=str(var_dir), LOG_LEVEL="WARNING", **extra)
    database = ""
    if urlparse(os.environ.get("DATABASE_URL", "")).scheme.startswith("postgres"):
        database = f"dangjian_{prefix}_{uuid.uuid4().hex[:10]}"
        psql(f"CREATE DATABASE {database}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    else:
        env.pop("DATABASE_URL", None)
    try:
        yield env
    finally:
        if database:
            psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(var_dir, ignore_errors=True)


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the test server exited during start-up")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the test server did not become healthy within 30 s")


@pytest.fixture(scope="session")
def live() -> Iterator[LiveServer]:
    var_dir = Path(tempfile.mkdtemp(prefix="dangjian-live-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")}
    env.update(
        DANGJIAN_VAR_DIR=str(var_dir),
        DEMO_PASSWORD=PASSWORD,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="dangjian.settings",
    )
    database = ""
    suite_url = os.environ.get("DATABASE_URL", "")
    if urlparse(suite_url).scheme.startswith("postgres"):
        database = f"dangjian_live_{uuid.uuid4().hex[:10]}"
        psql(f"CREATE DATABASE {database}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    else:
        env.pop("DATABASE_URL", None)
    server = LiveServer(url=f"http://127.0.0.1:{_free_port()}", env=env)
    server.manage("migrate", "--noinput", "-v0")
    # Served as in production: hashed names, compressed copies (ADR 0028).
    server.manage("collectstatic", "--noinput", "-v0")
    server.manage("load_demo", "--quiet-accounts")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dangjian.wsgi:application",
            "--bind",
            server.url.removeprefix("http://"),
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(server.url, process)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=15)
        if database:
            psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        import shutil

        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()
