"""Repeated identical denials become one entry plus a counted summary, chain intact (ADR 0007)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from dangjian.core import audit
from dangjian.core.context import request_context
from dangjian.core.denials import REPEATED, flush_closed_windows, record_denial
from dangjian.core.models import AuditEntry, DenialWindow
from dangjian.core.rules import denial_key, window_is_open
from dangjian.testkit.clients import login
from dangjian.testkit.live import throwaway_environment

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _key(**overrides: object) -> str:
    values: dict[str, object] = {
        "actor_id": 7,
        "username": "clerk1",
        "action": "access.denied",
        "method": "GET",
        "changes": {"action": "audit.view", "path": "/audit/"},
    }
    values.update(overrides)
    return denial_key(**values)  # type: ignore[arg-type]


def test_denial_key_is_the_same_only_for_identical_denials() -> None:
    assert _key() == _key(method="get")
    assert _key(changes={"path": "/audit/", "action": "audit.view"}) == _key()  # key order
    for different in (
        {"actor_id": 8},
        {"username": "clerk2"},
        {"method": "POST"},
        {"changes": {"action": "audit.view", "path": "/audit/export/"}},
        {"changes": {"action": "org.edit", "path": "/audit/"}},
    ):
        assert _key(**different) != _key(), different


@pytest.mark.parametrize(
    ("opened", "now", "open_"),
    [
        (None, T0, False),
        (T0, T0, True),
        (T0, T0 + timedelta(seconds=59.9), True),
        (T0, T0 + timedelta(seconds=60), False),
        (T0, T0 - timedelta(seconds=1), False),  # clock went back: write, never suppress
    ],
)
def test_window_is_open(opened: datetime | None, now: datetime, open_: bool) -> None:
    assert window_is_open(opened, now) is open_


def _denials() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__startswith="access.denied").order_by("seq"))


@pytest.mark.django_db
def test_repeated_page_denials_write_one_entry_then_a_counted_summary(client_for) -> None:
    client = client_for("clerk1")
    before = len(_denials())
    for _ in range(5):
        assert client.get("/audit/").status_code == 403
    written = _denials()[before:]
    assert [e.action for e in written] == ["access.denied"]
    first = written[0]
    assert first.actor_username == "clerk1"
    window = DenialWindow.objects.get(first_seq=first.seq)
    assert window.repeats == 4 and window.opened_at is not None
    opened = window.opened_at
    assert flush_closed_windows(opened + timedelta(seconds=30)) == 0  # still open
    assert flush_closed_windows(opened + timedelta(seconds=61)) == 1
    summary = _denials()[-1]
    assert summary.action == REPEATED and summary.outcome == "denied"
    assert summary.actor_username == "clerk1" and summary.actor_id == first.actor_id
    assert summary.object_repr == "重复 4 次"
    assert summary.changes["repeats"] == 4 and summary.changes["first_seq"] == first.seq
    assert summary.changes["path"] == "/audit/" and summary.changes["action"] == "audit.view"
    assert summary.actor_roles == first.actor_roles
    assert flush_closed_windows(opened + timedelta(seconds=120)) == 0  # only once
    assert not DenialWindow.objects.filter(pk=window.pk).exists()  # closed and empty: forgotten
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_next_identical_denial_after_the_window_writes_summary_then_a_full_entry(user) -> None:
    actor = user("clerk1")
    changes = {"action": "audit.view", "path": "/audit/"}
    with request_context(request_id="r-1", client_ip="10.0.0.1"):
        first = record_denial(actor, method="GET", changes=changes, now=T0)
    with request_context(request_id="r-2", client_ip="10.0.0.2"):
        assert (
            record_denial(actor, method="GET", changes=changes, now=T0 + timedelta(seconds=5))
            is None
        )
    with request_context(request_id="r-3", client_ip="10.0.0.3"):
        assert (
            record_denial(actor, method="GET", changes=changes, now=T0 + timedelta(seconds=9))
            is None
        )
    with request_context(request_id="r-4", client_ip="10.0.0.4"):
        later = record_denial(actor, method="GET", changes=changes, now=T0 + timedelta(minutes=2))
    assert first is not None and later is not None
    summary = AuditEntry.objects.get(seq=later.seq - 1)
    assert summary.action == REPEATED and summary.changes["repeats"] == 2
    # The summary carries the last repeat's address and request, not the request writing it.
    assert (summary.client_ip, summary.request_id) == ("10.0.0.3", "r-3")
    assert (later.client_ip, later.action) == ("10.0.0.4", "access.denied")
    assert DenialWindow.objects.get(first_seq=later.seq).repeats == 0


@pytest.mark.django_db
def test_distinct_denials_are_each_written(client_for) -> None:
    client = client_for("clerk1")
    before = len(_denials())
    client.get("/audit/")
    client.get("/audit/export/")
    client.post("/audit/")
    client_for("member1").get("/audit/")
    assert len(_denials()) == before + 4


@pytest.mark.django_db
def test_the_auditor_sees_closed_windows_summarised(user) -> None:
    actor = user("clerk1")
    past = datetime.now(UTC) - timedelta(minutes=5)
    changes = {"action": "audit.view", "path": "/audit/"}
    for second in range(3):
        record_denial(actor, method="GET", changes=changes, now=past + timedelta(seconds=second))
    assert not AuditEntry.objects.filter(action=REPEATED).exists()
    auditor = login(Client(), user("auditor"))
    page = auditor.get("/audit/?q=access.denied")
    assert "重复 2 次" in page.content.decode()


@pytest.mark.django_db
def test_verify_audit_writes_pending_summaries_first(user) -> None:
    past = datetime.now(UTC) - timedelta(minutes=5)
    changes = {"action": "audit.view", "path": "/x/"}
    record_denial(user("clerk1"), method="GET", changes=changes, now=past)
    record_denial(user("clerk1"), method="GET", changes=changes, now=past)
    call_command("verify_audit")
    assert AuditEntry.objects.filter(action=REPEATED).latest("seq").changes["repeats"] == 1


# --- across processes ---------------------------------------------------------------------------

WORKER = """
import threading
from datetime import UTC, datetime
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from dangjian.core.denials import record_denial

NOW = datetime.fromisoformat({now!r})
written = []

def hammer(thread):
    for i in range({per_thread}):
        # Two kinds interleaved, so windows and entries of different keys compete too.
        changes = {{"action": "audit.view", "path": "/kind/" + str(i % 2) + "/"}}
        entry = record_denial(AnonymousUser(), method="GET", changes=changes, now=NOW)
        written.append(entry is not None)
    connection.close()

threads = [threading.Thread(target=hammer, args=(t,)) for t in range({threads})]
for t in threads: t.start()
for t in threads: t.join()
print("WRITTEN", sum(written))
"""

COUNT = """
from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEntry, DenialWindow
print("ENTRIES", AuditEntry.objects.filter(action="access.denied").count())
print("REPEATS", sum(DenialWindow.objects.values_list("repeats", flat=True)))
print("CHAIN", verify_chain().ok)
"""


@pytest.mark.slow
def test_concurrent_workers_lose_no_count_and_write_each_kind_once() -> None:
    """Two processes × four threads, as gunicorn runs, on a throw-away database of the suite's
    kind: every denial is either the one written entry of its kind or counted in its window."""
    with throwaway_environment("denials") as env:
        _concurrent_denials(env)


def _concurrent_denials(env: dict[str, str]) -> None:
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
    now = datetime.now(UTC).isoformat()
    threads, per_thread, processes = 4, 15, 2
    code = WORKER.format(now=now, per_thread=per_thread, threads=threads)
    workers = [manage("shell", "-c", code) for _ in range(processes)]
    written = sum(int(finish(w).split("WRITTEN")[1].split()[0]) for w in workers)
    report = finish(manage("shell", "-c", COUNT)).splitlines()
    counts = dict(
        line.split(" ", 1) for line in report if line.startswith(("ENTRIES", "REPEATS", "CHAIN"))
    )
    total = threads * per_thread * processes
    assert written == int(counts["ENTRIES"]) == 2  # one full entry per kind
    assert int(counts["ENTRIES"]) + int(counts["REPEATS"]) == total
    assert counts["CHAIN"] == "True"
