"""The scheduler as real processes on a throw-away database of the suite's kind (SQLite file or
PostgreSQL): two runners racing for one lease, and ``manage.py scheduler --once``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from dangjian.testkit.live import throwaway_environment

pytestmark = pytest.mark.slow

RACE = """
import threading, time
from datetime import UTC, datetime, timedelta
from dangjian.core.scheduler import Cron, PeriodicJob
from dangjian.core.scheduler.models import ScheduledJob, ScheduledRun
from dangjian.core.scheduler.services import run_due_jobs
from django.db import connection

NOW = datetime(2028, 3, 1, 10, 0, tzinfo=UTC)
calls = []

def work(context):
    calls.append(context.slot)
    time.sleep(0.3)  # long enough that the loser tries while the winner still runs

job = PeriodicJob("race.nightly", "竞争测试", Cron("30 2 * * *"), work)
ScheduledJob.objects.get_or_create(name=job.name, defaults={{"last_slot": NOW - timedelta(days=1)}})
barrier = threading.Barrier({threads})
won = []

def runner(n):
    barrier.wait()
    won.extend(run_due_jobs([job], holder="{tag}-" + str(n), clock=lambda: NOW))
    connection.close()

threads = [threading.Thread(target=runner, args=(n,)) for n in range({threads})]
for t in threads: t.start()
for t in threads: t.join()
print("CALLS", len(calls))
"""

COUNT = """
from dangjian.core.scheduler.models import ScheduledRun
runs = ScheduledRun.objects.filter(job="race.nightly")
print("RUNS", list(runs.values_list("outcome", flat=True)))
"""


@pytest.fixture(scope="module")
def throwaway() -> Iterator[dict[str, str]]:
    with throwaway_environment("sched") as env:
        _manage(env, "migrate", "--noinput", "-v0")
        yield env


def _manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_of_two_processes_with_two_threads_each_exactly_one_runs_the_job(throwaway) -> None:
    racers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", RACE.format(threads=2, tag=f"p{n}")],
            cwd=settings.BASE_DIR,
            env=throwaway,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    calls = 0
    for racer in racers:
        out, err = racer.communicate(timeout=240)
        assert racer.returncode == 0, err[-3000:]
        calls += int(out.split("CALLS")[1].split()[0])
    assert calls == 1
    runs = _manage(throwaway, "shell", "-c", COUNT).stdout
    assert "RUNS ['ok']" in runs


def test_scheduler_once_runs_what_is_due_on_a_fresh_var_dir(throwaway) -> None:
    var_dir = Path(throwaway["DANGJIAN_VAR_DIR"])
    # Make every job due: each was last run for a slot two days ago.
    _manage(
        throwaway,
        "shell",
        "-c",
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from dangjian.core.scheduler import registered_jobs\n"
        "from dangjian.core.scheduler.models import ScheduledJob\n"
        "for job in registered_jobs():\n"
        "    ScheduledJob.objects.update_or_create(name=job.name,"
        " defaults={'last_slot': timezone.now() - timedelta(days=2)})\n",
    )
    done = _manage(throwaway, "scheduler", "--once")
    assert "本次运行了 8 个到期任务。" in done.stdout, done.stdout + done.stderr
    assert "core.backup：成功 备份完成：scheduled-" in done.stdout
    assert "core.verify_audit：成功 审计日志校验通过" in done.stdout
    backups = [p for p in (var_dir / "backups").iterdir() if p.name.startswith("scheduled-")]
    assert len(backups) == 1 and (backups[0] / "manifest.json").is_file()
    beat = json.loads((var_dir / "run" / "scheduler.json").read_text())
    assert beat["pid"] > 0
    # Nothing is due a second time: the slots are done.
    assert "本次运行了 0 个到期任务。" in _manage(throwaway, "scheduler", "--once").stdout
