from __future__ import annotations

import os
import signal
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dangjian.core.checkpoints import start_background_verification
from dangjian.core.supervisor import ProcessSpec, Supervisor


def process_specs(*, host: str, port: int, workers: int) -> list[ProcessSpec]:
    """Every long-running process of the platform, each restarted with backoff if it dies."""
    python = sys.executable
    return [
        # No gunicorn access log: it would write query strings (a searched ID number) to disk.
        # The JSON request log (core.middleware) records method, path, status and request id.
        ProcessSpec(
            name="web",
            argv=[
                python,
                "-m",
                "gunicorn",
                "dangjian.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--graceful-timeout",
                "10",
                # Its control socket defaults to one path per home directory, shared by every
                # gunicorn of this account, and nothing here uses it.
                "--no-control-socket",
            ],
            # Restarted like the others once it has served; dying at start-up (port taken,
            # broken settings) ends serve with an error, since retrying cannot fix that.
            fatal_startup_window=10.0,
        ),
        ProcessSpec(name="job worker", argv=[python, "manage.py", "job_worker"]),
        # Periodic jobs (ADR 0011); safe to run on every node, each run takes a lease.
        ProcessSpec(name="scheduler", argv=[python, "manage.py", "scheduler"]),
    ]


class Command(BaseCommand):
    help = (
        "Serve the platform: gunicorn, the background job worker and the scheduler, each "
        "restarted if it dies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        start_background_verification()  # audit chain check + checkpoint, not blocking start-up
        supervisor = Supervisor(
            process_specs(host=options["host"], port=options["port"], workers=options["workers"])
        )
        signal.signal(signal.SIGTERM, supervisor.request_stop)
        signal.signal(signal.SIGINT, supervisor.request_stop)
        self.stdout.write(
            f"平台已启动：http://{options['host']}:{options['port']}/ （Ctrl+C 停止）"
        )
        self.stdout.flush()
        exit_code = supervisor.run()
        if exit_code:
            raise SystemExit(exit_code)
