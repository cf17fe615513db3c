from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dangjian.core.context import command_context
from dangjian.core.rotation import rotate, version_census


class Command(BaseCommand):
    help = "Add a new SM4 field-key version and re-encrypt every encrypted column under it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--verify", action="store_true", help="only count ciphertexts per key version"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            for name, count in sorted(version_census().items()):
                self.stdout.write(f"{name}  {count}")
            return
        with command_context("rotate_field_key"):
            result = rotate()
        self.stdout.write(f"已启用密钥版本 v{result.pop('version')}，重新加密：")
        for name, count in result.items():
            self.stdout.write(f"  {name}: {count} 条")
