"""Entry point of ``make bench``: ``python -m dangjian.benchmarks.run [options]``.

The benchmark never touches the developer's data. Before Django is set up it points
``DANGJIAN_VAR_DIR`` at a fresh temporary directory (settings read it at import), so the SQLite
file, the key file and the media live there and are deleted afterwards.

Environment:

``BENCH_DATABASE_URL``
    Run against this database instead of a temporary SQLite file, e.g.
    ``postgres://postgres@127.0.0.1:5432/dangjian_bench``. It must be an **empty, disposable**
    database: the benchmark migrates it and fills it with the demo county plus the scale data, and
    refuses to run (exit status 2) if it already has any table. Drop it afterwards.
    ``DATABASE_URL`` is always ignored, so a developer's configured database is never used.

Exit status: 0 when every requirement passes, 1 when one fails, 2 when the run could not start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_JSON = PROJECT_DIR / "var" / "bench" / "orgs_list.json"

# Settings that would otherwise point the run at the developer's files, or change behaviour in a
# way that has nothing to do with what is measured. ``*_FILE`` variants are read by env_str too.
_CLEARED = (
    "DATABASE_URL",
    "DANGJIAN_VAR_DIR",
    "DANGJIAN_KEY_FILE",
    "DANGJIAN_MEDIA_ROOT",
    "DANGJIAN_BACKUP_DIR",
    "DANGJIAN_ENV",
    "LOG_LEVEL",
    "DJANGO_ALLOWED_HOSTS",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m dangjian.benchmarks.run",
        description=(
            "Subtree-scoped organisation list: query count at two tree sizes and server time "
            "against hand-written SQL, on a throw-away database (BENCH_DATABASE_URL to use "
            "PostgreSQL)."
        ),
    )
    parser.add_argument(
        "--enterprises",
        type=int,
        default=5000,
        help="enterprises of the scale data, as load_demo --scale (default and required: 5000)",
    )
    parser.add_argument("--rounds", type=int, default=30, help="timed A/B rounds (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first (default 5)")
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"where to write the figures (default {DEFAULT_JSON.relative_to(PROJECT_DIR)})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory and print its path"
    )
    args = parser.parse_args(argv)
    if args.enterprises < 1 or args.rounds < 3 or args.warmup < 0:
        parser.error("--enterprises must be positive, --rounds at least 3, --warmup not negative")
    return args


def configure_environment(var_dir: Path) -> None:
    """Point settings at the throw-away directory and database; must run before Django setup."""
    bench_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    for name in _CLEARED:
        os.environ.pop(name, None)
        os.environ.pop(f"{name}_FILE", None)
    os.environ["DANGJIAN_VAR_DIR"] = str(var_dir)
    os.environ["DANGJIAN_ENV"] = "development"
    os.environ["DJANGO_DEBUG"] = "0"
    # One JSON line per request on stderr would drown the report.
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangjian.settings"
    if bench_url:
        os.environ["DATABASE_URL"] = bench_url


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    var_dir = Path(tempfile.mkdtemp(prefix="dangjian-bench-"))
    try:
        configure_environment(var_dir)
        import django

        django.setup()
        from dangjian.benchmarks import orgs_list

        try:
            return orgs_list.run(
                enterprises=args.enterprises,
                rounds=args.rounds,
                warmup=args.warmup,
                json_path=args.json,
            )
        except orgs_list.BenchmarkError as exc:
            print(f"FAIL  {exc}")
            return 1
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.keep:
            print(f"Temporary directory kept: {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
