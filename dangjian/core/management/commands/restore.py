from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from dangjian.core.backup import BackupError, load_manifest, restore_backup
from dangjian.core.context import command_context


class Command(BaseCommand):
    help = "Restore the database and media from a backup directory (overwrites both)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="a directory written by `backup`")
        parser.add_argument(
            "--yes", action="store_true", help="confirm overwriting the current database and media"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"].absolute()
        with command_context("restore"):
            try:
                manifest = load_manifest(source)
                if not options["yes"]:
                    raise CommandError(
                        "备份校验通过，但尚未恢复：恢复会用备份内容覆盖当前数据库和媒体文件，"
                        "且无法撤销。确认无误后请加上 --yes 重新执行。"
                    )
                summary = restore_backup(source, manifest)
            except (BackupError, OSError, sqlite3.Error, DatabaseError) as exc:
                raise CommandError(f"恢复失败：{exc}") from exc
        head = manifest["audit"]
        previous = summary["previous_head"]
        self.stdout.write(f"恢复完成：{source}")
        self.stdout.write(
            f"  备份时间（UTC）：{manifest['created_at']}，数据库：{manifest['vendor']}"
        )
        self.stdout.write(
            f"  审计日志校验通过：共 {summary['checked']} 条，"
            f"链头与备份清单一致（第 {head['head_seq']} 条）"
        )
        self.stdout.write(
            "  恢复前的审计链头：" + (f"第 {previous[0]} 条" if previous else "无（原数据库为空）")
        )
        self.stdout.write(f"  媒体文件：{manifest['media_files']} 个")
        self.stdout.write(f"  本次恢复已记入审计日志（第 {summary['restore_seq']} 条）")
