from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dangjian.core import audit
from dangjian.core.actors import SystemActor
from dangjian.core.context import command_context
from dangjian.core.files import services
from dangjian.core.files.models import StoredFile
from dangjian.core.models import AuditOutcome


class Command(BaseCommand):
    help = (
        "Decrypt every stored file that has not been purged and recompute its SM3 and SHA-256 "
        "digests; one audit entry with the outcome; non-zero exit naming the files that fail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--purpose", help="only files of this purpose")

    def handle(self, *args: Any, **options: Any) -> None:
        files = StoredFile.objects.present().order_by("pk")
        if options["purpose"]:
            files = files.filter(purpose=options["purpose"])
        checked, failed = 0, []
        for stored in files.iterator(chunk_size=200):
            checked += 1
            outcome = services.verify(stored)
            if not outcome.ok:
                failed.append({"id": stored.pk, "reason": outcome.reason})
        with command_context("verify_stored_files"), transaction.atomic():
            audit.record(
                "files.verified",
                actor=SystemActor("verify_stored_files"),
                outcome=AuditOutcome.FAILURE if failed else AuditOutcome.SUCCESS,
                object_repr=f"校验存储文件 {checked} 个，不符 {len(failed)} 个",
                changes={"checked": checked, "failed": failed[:200]},
            )
        if failed:
            listed = "；".join(f"#{item['id']} {item['reason']}" for item in failed[:20])
            raise CommandError(f"存储文件校验失败 {len(failed)} 个：{listed}")
        self.stdout.write(f"存储文件校验通过：{checked} 个")
