"""``manage.py job_worker``: django-tasks-db's ``db_worker`` loop plus a heartbeat thread.

The thread writes the heartbeat file every ``WORKER_HEARTBEAT_SECONDS``, while idle and while a
task runs (the task runs on the main thread). The periodic sweeps it used to run (stale import
jobs, expired uploads) are periodic jobs of the scheduler now (``manage.py scheduler``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from dangjian.core.heartbeat import BeatThread


class Command(DbWorkerCommand):
    help = "Run the background job worker with a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        # The supervisor (serve, systemd) restarts the worker; the autoreloader's extra parent
        # process would beat without running tasks.
        options["reload"] = False
        heartbeat = BeatThread(
            options["worker_id"], interval=float(settings.WORKER_HEARTBEAT_SECONDS)
        )
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stopped.set()
