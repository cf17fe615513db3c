from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.audit import verify_chain
from dangjian.core.checkpoints import check_latest_checkpoint, checkpoint_file, write_checkpoint
from dangjian.core.context import command_context
from dangjian.core.denials import flush_closed_windows


class Command(BaseCommand):
    help = (
        "Walk the audit chain and check the latest checkpoint; exit non-zero naming the first "
        "bad entry. A clean verification appends a new checkpoint of the head."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="kept for existing schedules: a checkpoint is now written after every clean run",
        )
        parser.add_argument(
            "--no-checkpoint", action="store_true", help="verify only, write no checkpoint"
        )
        parser.add_argument(
            "--require-checkpoint",
            action="store_true",
            help="exit non-zero when there was no usable checkpoint (missing or empty file)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with command_context("verify_audit"):
            # Repeated denials whose window has closed become entries before the walk.
            flush_closed_windows()
        result = verify_chain()
        if not result.ok:
            raise CommandError(f"审计日志校验失败：第 {result.bad_seq} 条记录 —— {result.reason}")
        check = check_latest_checkpoint()
        if check.problem:
            raise CommandError(f"审计日志校验失败：{check.problem}")
        if check.warning:
            self.stderr.write(self.style.ERROR(f"警告：{check.warning}。"))
        self.stdout.write(f"审计日志校验通过，共 {result.checked} 条记录。")
        if not options["no_checkpoint"]:
            seq, _ = write_checkpoint()
            self.stdout.write(f"已写入检查点：第 {seq} 条（{checkpoint_file()}）。")
        if check.warning and options["require_checkpoint"]:
            raise CommandError("审计日志没有可用的检查点（见上方警告）。")
