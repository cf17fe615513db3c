from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from dangjian.core import clock
from dangjian.core.backup import BackupError, create_backup
from dangjian.core.context import command_context


class Command(BaseCommand):
    help = "Back up the default database and the media directory, with a verifiable manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="directory to create (must not exist); default BACKUP_DIR/<UTC timestamp>",
        )

    @staticmethod
    def default_target() -> Path:
        return Path(settings.BACKUP_DIR) / clock.now().strftime("%Y%m%dT%H%M%SZ")

    def handle(self, *args: Any, **options: Any) -> None:
        target: Path = (options["output"] or self.default_target()).absolute()
        with command_context("backup"):
            try:
                manifest = create_backup(target)
            except (BackupError, OSError, sqlite3.Error, DatabaseError) as exc:
                raise CommandError(f"备份失败：{exc}") from exc
        head = manifest["audit"]
        self.stdout.write(f"备份完成：{target}")
        self.stdout.write(
            f"  数据库：{manifest['vendor']}，审计记录 {head['count']} 条"
            f"（链头第 {head['head_seq']} 条），媒体文件 {manifest['media_files']} 个"
        )
