"""``python -m dangjian.benchmarks.members_run``: the member-registry benchmarks of ``make bench``.

Same isolation as ``run.py``: a throw-away var directory (and ``BENCH_DATABASE_URL`` for an empty,
disposable PostgreSQL database). Prints a report and writes ``var/bench/members.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from dangjian.benchmarks.run import PROJECT_DIR, configure_environment

DEFAULT_JSON = PROJECT_DIR / "var" / "bench" / "members.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dangjian.benchmarks.members_run")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args(argv)
    var_dir = Path(tempfile.mkdtemp(prefix="dangjian-bench-members-"))
    try:
        configure_environment(var_dir)
        import django

        django.setup()
        from django.core.management import call_command

        from dangjian.accounts.services import generate_initial_password
        from dangjian.benchmarks import members_list
        from dangjian.core.context import command_context
        from dangjian.demo.builder import build_demo_county

        password = generate_initial_password()
        call_command("migrate", verbosity=0)
        with command_context("bench"):
            build_demo_county(password=password)
        results: dict[str, object] = {}
        ok = True
        if not args.skip_import:
            from dangjian.benchmarks import members_import

            imported = members_import.run(rows=args.import_rows, var_dir=var_dir)
            results["import"] = imported
            print("\n".join(members_import.report(imported)))
            ok = ok and bool(imported["pass_speed"])
        listed = members_list.run(
            rounds=args.rounds, warmup=args.warmup, members=args.members, password=password
        )
        results["list"] = listed
        print("\n".join(members_list.report(listed)))
        ok = ok and all(bool(listed[key]) for key in ("pass_queries", "pass_ratio", "pass_depth"))
        DEFAULT_JSON.parent.mkdir(parents=True, exist_ok=True)
        DEFAULT_JSON.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
        print(f"Figures written to {DEFAULT_JSON}")
        return 0 if ok else 1
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
