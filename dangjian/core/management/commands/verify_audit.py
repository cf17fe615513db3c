from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.audit import verify_chain
from dangjian.core.checkpoints import check_latest_checkpoint, write_checkpoint


class Command(BaseCommand):
    help = "Walk the audit chain; exit non-zero naming the first bad entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="after a clean verification, append a checkpoint of the head",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            raise CommandError(f"审计日志校验失败：第 {result.bad_seq} 条记录 —— {result.reason}")
        problem = check_latest_checkpoint()
        if problem:
            raise CommandError(f"审计日志校验失败：{problem}")
        self.stdout.write(f"审计日志校验通过，共 {result.checked} 条记录。")
        if options["checkpoint"]:
            seq, _ = write_checkpoint()
            self.stdout.write(f"已写入检查点：第 {seq} 条。")
