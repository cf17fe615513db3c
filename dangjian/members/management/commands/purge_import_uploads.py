from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dangjian.core import clock
from dangjian.members.workbook.retention import purge_expired_uploads, retention_period


class Command(BaseCommand):
    help = (
        "Delete uploads of failed, invalid and finished import jobs older than "
        "IMPORT_UPLOAD_RETENTION_DAYS, and upload files no job refers to. The scheduler runs "
        "this hourly; the command is for operators."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = purge_expired_uploads(clock.now())
        self.stdout.write(
            f"已删除过期导入文件 {result.jobs} 个、无主文件 {result.orphans} 个"
            f"（保留期限 {retention_period().days} 天）"
        )
