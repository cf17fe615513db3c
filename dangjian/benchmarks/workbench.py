"""``python -m dangjian.benchmarks.workbench``: the supervisor's home page and the county problem
list at the ``load_demo --scale`` size.

Requirement (issue 11): both pages keep a constant number of queries as the county grows; their
server time is reported. Each page's whole request (``django.test.Client``: middleware, session,
panels or sources, template) is timed side by side with a baseline page of the same run, the
organisation tree (``/orgs/``), rounds alternating A/B then B/A after untimed warm-up. Query
counts are captured outside the timed loops on the demo county and again after the scale data.

Same isolation as ``run.py``: a throw-away var directory, ``BENCH_DATABASE_URL`` for an empty,
disposable PostgreSQL database. Prints a report and writes ``var/bench/workbench.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dangjian.benchmarks.run import PROJECT_DIR, configure_environment

DEFAULT_JSON = PROJECT_DIR / "var" / "bench" / "workbench.json"
PAGES = {"home": "/", "problems": "/dashboard/problems/"}
BASELINE = "/orgs/"


def _get(client: Any, url: str) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), elapsed


def _time(client: Any, url: str, rounds: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        client.get(url)
        client.get(BASELINE)
    page: list[float] = []
    base: list[float] = []
    for i in range(rounds):
        pair = (url, BASELINE) if i % 2 == 0 else (BASELINE, url)
        for target in pair:
            started = time.perf_counter()
            client.get(target)
            (page if target == url else base).append(time.perf_counter() - started)
    median, baseline = statistics.median(page), statistics.median(base)
    return {
        "median_ms": round(median * 1000, 1),
        "p90_ms": round(sorted(page)[int(len(page) * 0.9) - 1] * 1000, 1),
        "baseline_median_ms": round(baseline * 1000, 1),
        "ratio_to_baseline": round(median / baseline, 2),
    }


def run(*, enterprises: int, rounds: int, warmup: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.test import Client

    from dangjian.accounts.models import User
    from dangjian.accounts.services import generate_initial_password
    from dangjian.core.context import command_context
    from dangjian.demo.builder import build_demo_county, build_scale
    from dangjian.testkit.clients import login

    call_command("migrate", verbosity=0)
    with command_context("bench"):
        build_demo_county(password=generate_initial_password())
    client = login(Client(), User.objects.get(username="supervisor"))
    small = {name: _get(client, url)[0] for name, url in {**PAGES, "baseline": BASELINE}.items()}
    with command_context("bench"):
        counts = build_scale(enterprises=enterprises)
    large = {name: _get(client, url)[0] for name, url in {**PAGES, "baseline": BASELINE}.items()}
    timings = {name: _time(client, url, rounds, warmup) for name, url in PAGES.items()}
    from dangjian.core import clock
    from dangjian.core.problems import collect_problems

    problems = len(collect_problems(User.objects.get(username="supervisor"), clock.today()))
    return {
        "scale": counts,
        "problems_at_scale": problems,
        "queries_small": small,
        "queries_large": large,
        "timings": timings,
        "pass_queries": all(small[name] == large[name] for name in PAGES),
    }


def report(result: dict[str, Any]) -> list[str]:
    lines = [
        "Workbench (supervisor): home page and county problem list",
        f"  scale data: {result['scale']}; problems listed at scale: {result['problems_at_scale']}",
    ]
    for name in (*PAGES, "baseline"):
        small, large = result["queries_small"][name], result["queries_large"][name]
        lines.append(f"  queries {name:<9} demo {small:>3}  scale {large:>3}")
    for name, t in result["timings"].items():
        lines.append(
            f"  {name:<9} median {t['median_ms']} ms (p90 {t['p90_ms']} ms); "
            f"org tree baseline {t['baseline_median_ms']} ms; ratio {t['ratio_to_baseline']}"
        )
    verdict = "PASS" if result["pass_queries"] else "FAIL"
    lines.append(f"  {verdict}: query counts constant at both sizes")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dangjian.benchmarks.workbench")
    parser.add_argument("--enterprises", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    var_dir = Path(tempfile.mkdtemp(prefix="dangjian-bench-workbench-"))
    try:
        configure_environment(var_dir)
        import django

        django.setup()
        result = run(enterprises=args.enterprises, rounds=args.rounds, warmup=args.warmup)
        print("\n".join(report(result)))
        DEFAULT_JSON.parent.mkdir(parents=True, exist_ok=True)
        DEFAULT_JSON.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        print(f"Figures written to {DEFAULT_JSON}")
        return 0 if result["pass_queries"] else 1
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
