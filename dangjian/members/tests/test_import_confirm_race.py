"""Two near-simultaneous 确认导入 of one job, from two threads with their own connections: exactly
one wins and imports, the other is told the state changed, and nothing is overwritten.

Threads need committed data they can all see, so the race runs in a child ``manage.py shell``
on a throw-away database of the suite's kind (SQLite file or PostgreSQL), built by ``migrate``
and ``load_demo``; the suite's own rolled-back test database could not be shared.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings

from dangjian.testkit.live import throwaway_environment

RACE = """
import json, threading
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from dangjian.accounts.models import User
from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEntry
from dangjian.core.workflow import history
from dangjian.members.models import ImportJob, Member
from dangjian.members.tests.helpers import new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import jobs

ROWS = {rows}
secretary = User.objects.get(username="secretary1")
node = secretary.grants.first().node
upload = workbook([row("并发" + str(i), new_id(), branch=node.code) for i in range(ROWS)])
job = jobs.store_upload(upload, "race.xlsx", actor=secretary, org=node)
jobs.validate_job(job, actor=secretary)
assert job.status == "valid", job.status
before = Member.objects.count()
ready = threading.Barrier(2)
outcomes = []

def confirm(name):
    try:
        mine = ImportJob.objects.select_related("org", "created_by").get(pk=job.pk)
        actor = User.objects.get(pk=secretary.pk)
        assert mine.status == "valid"
        ready.wait(timeout=30)  # both have seen VALID; now both confirm
        try:
            jobs.confirm_import(mine, actor=actor, now=timezone.now(), background=False)
        except ValidationError as exc:
            outcomes.append({{"thread": name, "refused": exc.messages}})
            return
        jobs.run_import(mine)
        outcomes.append({{"thread": name, "won": mine.status}})
    except Exception as exc:
        outcomes.append({{"thread": name, "error": repr(exc)}})
    finally:
        connection.close()

threads = [threading.Thread(target=confirm, args=(n,)) for n in ("a", "b")]
for t in threads: t.start()
for t in threads: t.join(timeout=120)
job.refresh_from_db()
print("RESULT " + json.dumps({{
    "outcomes": outcomes,
    "status": job.status,
    "created": job.created_count,
    "added": Member.objects.count() - before,
    "steps": [t.action for t in history(job)],
    "confirms": AuditEntry.objects.filter(action="members.import_job.confirm").count(),
    "chain": verify_chain().ok,
}}, ensure_ascii=False))
"""


@pytest.mark.slow
def test_two_simultaneous_confirms_exactly_one_wins() -> None:
    with throwaway_environment("race", DEMO_PASSWORD="Race-Passw0rd!1") as env:
        _race(env)


def _race(env: dict[str, str]) -> None:
    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "--noinput", "-v0")
    manage("load_demo")
    out = manage("shell", "-c", RACE.format(rows=40))
    result = json.loads(out.split("RESULT ", 1)[1])
    outcomes = sorted(result["outcomes"], key=lambda o: "won" in o)
    assert len(outcomes) == 2, outcomes
    loser, winner = outcomes
    assert winner.get("won") == "done", outcomes
    assert loser.get("refused") and "状态已变化" in loser["refused"][0], outcomes
    assert result["status"] == "done" and result["created"] == result["added"] == 40
    assert result["steps"] == ["validate", "pass", "confirm", "finish"]
    assert result["confirms"] == 1 and result["chain"] is True
