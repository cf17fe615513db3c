from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.context import command_context
from dangjian.demo.builder import DEMO_ACCOUNTS, build_demo_county, build_scale, demo_is_loaded
from dangjian.demo.passwords import demo_password


class Command(BaseCommand):
    help = "Build the X县 demo county (and, with --scale, benchmark-size data) in code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has an organisation tree",
        )
        parser.add_argument(
            "--scale",
            action="store_true",
            help="also generate benchmark data (default 5,000 enterprises)",
        )
        parser.add_argument("--enterprises", type=int, default=5000)
        parser.add_argument(
            "--quiet-accounts", action="store_true", help="do not print the demo accounts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = demo_password()
        with command_context("load_demo"):
            if demo_is_loaded():
                if not options["if_empty"] and not options["scale"]:
                    raise CommandError("数据库中已有组织数据；如需重建请先换一个空数据库")
                self.stdout.write("已有组织数据，跳过演示县的创建。")
            else:
                started = time.monotonic()
                build_demo_county(password=password)
                self.stdout.write(f"演示县已创建（{time.monotonic() - started:.1f} 秒）。")
            if options["scale"]:
                started = time.monotonic()
                counts = build_scale(enterprises=options["enterprises"])
                self.stdout.write(
                    f"规模数据已生成：集团 {counts['groups']} 个，企业 {counts['enterprises']} 个，"
                    f"党组织 {counts['party_orgs']} 个（{time.monotonic() - started:.1f} 秒）。"
                )
        if not options["quiet_accounts"]:
            self.stdout.write("演示账号（密码相同）：")
            for username, full_name, admin_role, _ in DEMO_ACCOUNTS:
                note = "，首次登录需绑定动态口令" if admin_role else ""
                self.stdout.write(f"  {username:<12} {full_name}{note}")
            self.stdout.write(f"  密码：{password}")
