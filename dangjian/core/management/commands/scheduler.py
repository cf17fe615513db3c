"""``manage.py scheduler``: run the periodic jobs at their times (ADR 0011).

``serve`` starts it beside the web and the job worker; production runs it as
``deploy/dangjian-scheduler.service``. Any number may run at once (one per app node): each run
takes the job's database lease, so a job never runs twice for the same slot.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dangjian.core import clock
from dangjian.core.heartbeat import BeatThread, scheduler_heartbeat_path
from dangjian.core.scheduler import registered_jobs
from dangjian.core.scheduler.loop import SchedulerLoop, runner_id
from dangjian.core.scheduler.models import RunOutcome
from dangjian.core.scheduler.rules import next_slot


class Command(BaseCommand):
    help = "Run the periodic jobs at their times, each under a database lease."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="one pass: run what is due, then exit"
        )
        parser.add_argument(
            "--list", action="store_true", help="list the periodic jobs and their next runs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        holder = runner_id()
        loop = SchedulerLoop(holder=holder, tick_seconds=float(settings.SCHEDULER_TICK_SECONDS))
        heartbeat = BeatThread(
            holder,
            interval=float(settings.SCHEDULER_HEARTBEAT_SECONDS),
            path=scheduler_heartbeat_path(),
        )
        if options["once"]:
            heartbeat.beat_once()
            runs = loop.tick()
            for run in runs:
                self.stdout.write(f"{run.job}：{run.get_outcome_display()} {run.message}".rstrip())
            self.stdout.write(f"本次运行了 {len(runs)} 个到期任务。")
            if any(run.outcome == RunOutcome.FAILED for run in runs):
                raise CommandError("有定时任务运行失败（见上方及日志）。")
            return
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        signal.signal(signal.SIGINT, lambda *_: stopped.set())
        heartbeat.start()
        try:
            loop.run(stopped)
        finally:
            heartbeat.stopped.set()

    def _list(self) -> None:
        now = clock.now()
        for job in registered_jobs():
            upcoming = timezone.localtime(next_slot(job.schedule, now))
            self.stdout.write(
                f"{job.name}\t{job.label}\t{job.schedule_text}\t下次 {upcoming:%Y-%m-%d %H:%M:%S}"
            )
