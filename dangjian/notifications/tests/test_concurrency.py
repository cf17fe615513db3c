"""Two processes × four threads emit the same events and deliver them: one row, one e-mail each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from dangjian.testkit.live import throwaway_environment

WORKER = """
import threading
from django.db import connection
from django.utils import timezone
from dangjian.accounts.models import User
from dangjian.core.actors import SystemActor
from dangjian.notifications.delivery import deliver_due
from dangjian.notifications.registry import register_kind
from dangjian.notifications.services import notify

register_kind("tests.race", "并发测试", email_default=True)
users = list(User.objects.filter(username__startswith="race").order_by("username"))

def run(thread):
    for event in range({events}):
        # The same events from every thread and process, as a retried job would emit them.
        notify(users, "tests.race", f"race:{{event}}", f"并发{{event}}", "", "/",
               actor=SystemActor("job:race"), now=timezone.now())
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


@pytest.mark.slow
def test_concurrent_producers_and_deliverers_send_each_event_once() -> None:
    with throwaway_environment(
        "notify", EMAIL_BACKEND="dangjian.notifications.tests.backends.AppendingBackend"
    ) as env:
        sent_log = Path(env["DANGJIAN_VAR_DIR"]) / "sent.txt"
        env["NOTIFY_TEST_SENT"] = str(sent_log)
        _produce_and_deliver(env, sent_log)


def _produce_and_deliver(env: dict[str, str], sent_log: Path) -> None:
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
