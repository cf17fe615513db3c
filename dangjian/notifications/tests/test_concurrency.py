"""Two processes × four threads emit the same events and deliver them: one row, one e-mail each."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

WORKER = """
import threading
from django.db import connection
from django.utils import timezone
from dangjian.accounts.models import User
from dangjian.notifications.delivery import deliver_due
from dangjian.notifications.registry import register_kind
from dangjian.notifications.services import notify

register_kind("tests.race", "并发测试", email_default=True)
users = list(User.objects.filter(username__startswith="race").order_by("username"))

def run(thread):
    for event in range({events}):
        # The same events from every thread and process, as a retried job would emit them.
        notify(users, "tests.race", f"race:{{event}}", f"并发{{event}}", "", "/", actor="job:race",
               now=timezone.now())
        deliver_due(timezone.now())
    connection.close()

threads = [threading.Thread(target=run, args=(t,)) for t in range({threads})]
for t in threads: t.start()
for t in threads: t.join()
print("DONE")
"""

SETUP = """
from dangjian.accounts.models import User
for i in range(3):
    User.objects.create(username=f"race{i}", email=f"race{i}@example.cn", full_name="并发")
"""

COUNT = """
from django.utils import timezone
from dangjian.notifications.delivery import deliver_due
from dangjian.notifications.models import Notification
deliver_due(timezone.now())  # whatever a killed claim or a lost race left pending
print("ROWS", Notification.objects.count())
print("SENT", Notification.objects.filter(email_status="sent").count())
"""


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.mark.slow
def test_concurrent_producers_and_deliverers_send_each_event_once() -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="dangjian-notify-"))
    sent_log = var_dir / "sent.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_")}
    env.update(
        DANGJIAN_VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="dangjian.notifications.tests.backends.AppendingBackend",
        NOTIFY_TEST_SENT=str(sent_log),
    )
    database = ""
    if urlparse(os.environ.get("DATABASE_URL", "")).scheme.startswith("postgres"):
        database = f"dangjian_notify_{uuid.uuid4().hex[:10]}"
        _psql(f"CREATE DATABASE {database}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    else:
        env.pop("DATABASE_URL", None)

    def manage(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(process: subprocess.Popen[str]) -> str:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err[-3000:]
        return out

    try:
        finish(manage("migrate", "--noinput", "-v0"))
        finish(manage("shell", "-c", SETUP))
        events, threads = 5, 4
        code = WORKER.format(events=events, threads=threads)
        workers = [manage("shell", "-c", code) for _ in range(2)]
        assert all("DONE" in finish(worker) for worker in workers)
        report = dict(
            line.split(" ", 1)
            for line in finish(manage("shell", "-c", COUNT)).splitlines()
            if line.startswith(("ROWS", "SENT"))
        )
        lines = sent_log.read_text(encoding="utf-8").splitlines()
        assert int(report["ROWS"]) == int(report["SENT"]) == events * 3
        assert len(lines) == len(set(lines)) == events * 3  # each (recipient, event) mailed once
    finally:
        if database:
            _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        import shutil

        shutil.rmtree(var_dir, ignore_errors=True)
