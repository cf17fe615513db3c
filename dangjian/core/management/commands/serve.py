from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dangjian.core.checkpoints import start_background_verification


class Command(BaseCommand):
    help = "Serve the platform: gunicorn on 127.0.0.1 plus the background job worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=2)

    # No gunicorn access log: it would write query strings (a searched ID number) to disk. The
    # JSON request log (core.middleware) records method, path, status and request id instead.
    def handle(self, *args: Any, **options: Any) -> None:
        start_background_verification()  # audit chain check + checkpoint, not blocking start-up
        python = sys.executable
        worker = subprocess.Popen([python, "manage.py", "db_worker"])
        server = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "dangjian.wsgi:application",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["workers"]),
                "--threads",
                "4",
                "--graceful-timeout",
                "10",
            ]
        )
        self.stdout.write(
            f"平台已启动：http://{options['host']}:{options['port']}/ （Ctrl+C 停止）"
        )

        def stop(*_: Any) -> None:
            for proc in (server, worker):
                if proc.poll() is None:
                    proc.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while server.poll() is None and worker.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for proc in (server, worker):
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if server.returncode not in (0, None, -signal.SIGTERM):
            raise SystemExit(server.returncode)
