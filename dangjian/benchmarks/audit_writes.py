"""``python -m dangjian.benchmarks.audit_writes``: audited writes per second on PostgreSQL.

Every audit entry links to the one before it (ADR 0001), so appends take one advisory lock and
run one at a time. This measures what that costs a busy platform: writer *processes* (not
threads: the GIL would serialise them before the chain does) each rename their own branch
through the real service (``orgs.services.update_org``: scope check, row lock, validation,
UPDATE, audit entry, commit) for a fixed time, once with the audit entry and once without it
(a switch of this benchmark only: the writer process replaces ``audit.record`` with a no-op;
no setting can turn auditing off). Each writer owns its branch, so the only lock they share is
the chain's.

Reported per writer count (1, 2, 4, 8): writes/s both ways and their ratio, the share of an
audited write spent waiting for the chain's lock, and how long the lock is held (from the moment
it is granted to the commit that releases it). ``1 / hold`` is the ceiling of audited writes per
second on this machine, however many writers there are. Requirement: at 8 writers, audited
writes reach ``RATIO_REQUIRED`` of the unaudited rate (median of alternating rounds).

PostgreSQL is required (the chain's lock is PostgreSQL's; SQLite serialises every write anyway):
``BENCH_PG_URL`` (default ``postgres://postgres@127.0.0.1:5432/postgres``) names a server and a
database to connect to for ``CREATE DATABASE``; the benchmark creates a throw-away database
(``BENCH_AUDIT_DATABASE``, default a random ``dangjian_bench_audit_…`` name, which must not
exist), and drops it afterwards. Exit status 0 when the requirement holds, 1 when it fails, 2
when the run could not start (PostgreSQL unreachable).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from dangjian.benchmarks.run import PROJECT_DIR, configure_environment

DEFAULT_JSON = PROJECT_DIR / "var" / "bench" / "audit_writes.json"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
WRITER_COUNTS = (1, 2, 4, 8)
MAIN_WRITERS = 8
# Measured on the 2-core CI machine (docs/operations.md, "Audit chain throughput"): 0.5–0.6 at
# 8 writers, since the writers' own work, not the chain, fills both cores. 0.3 leaves room for a
# noisy neighbour; a chain that stopped overlapping with the rest of the work would fall to
# about 1/8 and fail it.
RATIO_REQUIRED = 0.4
ACTOR = "supervisor"  # the demo county's 国资中心 account: may change every org


@dataclass
class WriterResult:
    writes: int
    seconds: float
    busy: float  # time inside the service calls
    lock_wait: float  # of which waiting for the chain's lock
    lock_held: float  # from the lock being granted to the commit


@dataclass
class RunResult:
    writers: int
    audited: bool
    writes: int
    seconds: float
    per_second: float
    lock_wait_share: float
    mean_hold_ms: float


class BenchmarkError(RuntimeError):
    """The run could not start; the message says why."""


def _server_url() -> str:
    return os.environ.get("BENCH_PG_URL", "").strip() or DEFAULT_SERVER


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _admin(sql: str) -> None:
    import psycopg

    try:
        with psycopg.connect(_server_url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)  # type: ignore[arg-type]  # our own fixed statement
    except psycopg.OperationalError as exc:
        where = urlparse(_server_url())
        raise BenchmarkError(
            f"PostgreSQL unreachable at {where.hostname}:{where.port or 5432} ({exc})\n"
            "      make bench needs PostgreSQL for the audited-writes benchmark: start it, or "
            "point BENCH_PG_URL at a server where this user may CREATE DATABASE"
        ) from exc


def _writer(
    index: int, audited: bool, start_at: Any, seconds: float, queue: Any, ready: Any
) -> None:
    """One writer process: set up Django, warm up, wait for the common start (``start_at``, set
    by the parent once every writer is ready), then rename its own branch until the end."""
    import django

    django.setup()
    from django.db import connection

    from dangjian.accounts.models import User
    from dangjian.core import audit
    from dangjian.orgs import services
    from dangjian.orgs.models import OrgNode

    timings = {"wait": 0.0, "granted": 0.0}
    lock_chain = audit.lock_chain

    def timed_lock() -> None:
        asked = time.perf_counter()
        lock_chain()
        timings["granted"] = time.perf_counter()
        timings["wait"] += timings["granted"] - asked

    audit.lock_chain = timed_lock  # type: ignore[assignment]
    if not audited:
        audit.record = lambda *args, **kwargs: None  # type: ignore[assignment,return-value]

    actor = User.objects.get(username=ACTOR)
    node = OrgNode.objects.filter(kind="branch").order_by("code")[index]
    base = f"基准测试党支部{index + 1}"

    def write(n: int) -> None:
        current = OrgNode.objects.get(pk=node.pk)
        services.update_org(
            current,
            actor=actor,
            expected_version=current.version,
            name=f"{base}（第{n}次）",
            code=current.code,
            short_name=current.short_name,
            founded_on=current.founded_on,
        )

    for n in range(20):  # connections, caches and query plans warm
        write(n)
    ready.put(index)
    timings["wait"] = 0.0
    while not start_at.value:
        time.sleep(0.01)
    delay = start_at.value - time.time()
    if delay > 0:
        time.sleep(delay)
    writes, busy, held = 0, 0.0, 0.0
    started = time.perf_counter()
    end = started + seconds
    while True:
        began = time.perf_counter()
        if began >= end:
            break
        timings["granted"] = 0.0
        write(writes)
        done = time.perf_counter()
        busy += done - began
        if timings["granted"]:
            held += done - timings["granted"]
        writes += 1
    elapsed = time.perf_counter() - started
    connection.close()
    queue.put(asdict(WriterResult(writes, elapsed, busy, timings["wait"], held)))


def run_once(writers: int, *, audited: bool, seconds: float) -> RunResult:
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no shared connection
    queue, ready = context.Queue(), context.Queue()
    start_at = context.Value("d", 0.0)
    processes = [
        context.Process(target=_writer, args=(i, audited, start_at, seconds, queue, ready))
        for i in range(writers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=300)
    start_at.value = time.time() + 0.5
    results = [WriterResult(**queue.get(timeout=seconds + 300)) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    writes = sum(r.writes for r in results)
    elapsed = max(r.seconds for r in results)
    busy = sum(r.busy for r in results) or 1.0
    return RunResult(
        writers=writers,
        audited=audited,
        writes=writes,
        seconds=round(elapsed, 2),
        per_second=round(writes / elapsed, 1),
        lock_wait_share=round(sum(r.lock_wait for r in results) / busy, 3),
        mean_hold_ms=round(1000 * sum(r.lock_held for r in results) / max(writes, 1), 2)
        if audited
        else 0.0,
    )


def run(*, seconds: float, rounds: int) -> dict[str, Any]:
    scaling: list[dict[str, Any]] = []
    for writers in WRITER_COUNTS:
        if writers == MAIN_WRITERS:
            continue
        audited = run_once(writers, audited=True, seconds=seconds)
        plain = run_once(writers, audited=False, seconds=seconds)
        scaling.append(_pair(audited, plain))
    pairs = []
    for round_number in range(rounds):
        # Alternate which goes first, so a neighbour's burst does not always hit the same side.
        first_audited = round_number % 2 == 0
        first = run_once(MAIN_WRITERS, audited=first_audited, seconds=seconds)
        second = run_once(MAIN_WRITERS, audited=not first_audited, seconds=seconds)
        audited, plain = (first, second) if first_audited else (second, first)
        pairs.append(_pair(audited, plain))
    ratio = statistics.median(p["ratio"] for p in pairs)
    main = min(pairs, key=lambda p: abs(p["ratio"] - ratio))
    scaling.append(main)
    return {
        "seconds_per_run": seconds,
        "rounds": pairs,
        "scaling": scaling,
        "ratio": round(ratio, 3),
        "required": RATIO_REQUIRED,
        "pass": ratio >= RATIO_REQUIRED,
    }


def _pair(audited: RunResult, plain: RunResult) -> dict[str, Any]:
    hold = audited.mean_hold_ms
    return {
        "writers": audited.writers,
        "audited_per_second": audited.per_second,
        "unaudited_per_second": plain.per_second,
        "ratio": round(audited.per_second / plain.per_second, 3) if plain.per_second else 0.0,
        "lock_wait_share": audited.lock_wait_share,
        "mean_hold_ms": hold,
        "ceiling_per_second": round(1000 / hold, 0) if hold else None,
        # The share of the run during which some writer held the chain: near 100 %, the chain
        # is what limits the rate (writers queue for it); well below, the rest of the work does.
        "chain_busy_share": round(audited.per_second * hold / 1000, 3),
    }


def report(result: dict[str, Any]) -> list[str]:
    lines = [
        f"Audited writes on PostgreSQL (org rename through the service, {result['seconds_per_run']}"
        " s per run)",
        "  writers  audited/s  unaudited/s  ratio  lock wait  lock held  chain busy  ceiling",
    ]
    for row in result["scaling"]:
        ceiling = f"{row['ceiling_per_second']:.0f}/s" if row["ceiling_per_second"] else "-"
        lines.append(
            f"  {row['writers']:>7}  {row['audited_per_second']:>9.1f}  "
            f"{row['unaudited_per_second']:>11.1f}  {row['ratio']:>5.2f}  "
            f"{row['lock_wait_share']:>8.0%}  {row['mean_hold_ms']:>6.2f} ms  "
            f"{row['chain_busy_share']:>9.0%}  {ceiling:>7}"
        )
    rounds = ", ".join(f"{p['ratio']:.2f}" for p in result["rounds"])
    lines.append(
        f"{'PASS' if result['pass'] else 'FAIL'}  audited writes at {MAIN_WRITERS} writers "
        f"{result['ratio']:.2f}x the unaudited rate (median of {rounds}; required "
        f"{result['required']}x)"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dangjian.benchmarks.audit_writes")
    parser.add_argument("--seconds", type=float, default=5.0, help="per run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="8-writer A/B pairs (default 3)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    name = os.environ.get("BENCH_AUDIT_DATABASE", "").strip() or (
        f"dangjian_bench_audit_{uuid.uuid4().hex[:10]}"
    )
    if not name.replace("_", "").isalnum():
        parser.error("BENCH_AUDIT_DATABASE must be letters, digits and underscores")
    var_dir = Path(tempfile.mkdtemp(prefix="dangjian-bench-audit-"))
    created = False
    try:
        _admin(f"CREATE DATABASE {name}")
        created = True
        configure_environment(var_dir)
        os.environ["DATABASE_URL"] = _with_database(_server_url(), name)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from dangjian.accounts.services import generate_initial_password
        from dangjian.core.context import command_context
        from dangjian.demo.builder import build_demo_county

        call_command("migrate", verbosity=0)
        with command_context("bench"):
            build_demo_county(password=generate_initial_password())
        connections.close_all()
        result = run(seconds=args.seconds, rounds=args.rounds)
        print("\n".join(report(result)))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
        print(f"Figures written to {args.json}")
        return 0 if result["pass"] else 1
    except BenchmarkError as exc:
        print(f"FAIL  {exc}", file=sys.stderr)
        return 2
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if created:
            _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
