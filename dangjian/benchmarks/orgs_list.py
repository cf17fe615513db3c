"""Subtree-scoped organisation list: query count at two tree sizes, server time against raw SQL.

Requirement: at the ``load_demo --scale`` size (at least 5,000 enterprises and 20,000 Party
organisations), the subtree-scoped organisation list for a user granted one 集团 issues a number
of queries that does not grow with the tree, and its server time stays within 3x of a hand-written
raw SQL query returning the same rows, measured side by side in the same run.

What is measured (the pairs alternate A/B, then B/A, round by round, after untimed warm-up):

(1) ORM scoped list: ``OrgNode.objects.visible_to(user, "org.view").values_list(...)`` for the
    whole subtree, with a fresh user object each round, so the grant lookup is inside the timer;
(2) raw SQL: the same columns and rows through a cursor, the group's path taken as known;
(3) ``GET /api/orgs/?page_size=100`` end to end through ``django.test.Client`` (middleware,
    session, authentication, DRF, JSON rendering; no network);
(4) raw SQL for that page: ``COUNT(*)`` over the subtree plus the first 100 rows.

(1)/(2) is the requirement; (3)/(4) is reported for information. Query counts of (1) and (3) are
captured once, outside the timed loops: on the demo county for a user granted the demo 集团 "CT"
(small tree), and after the scale data for a user granted "SG01" (large tree).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dangjian.accounts.models import User
from dangjian.accounts.services import generate_initial_password
from dangjian.core import clock
from dangjian.core.context import command_context
from dangjian.demo.builder import build_demo_county, build_scale, grant_for_benchmark
from dangjian.orgs.choices import PARTY_KINDS, OrgKind
from dangjian.orgs.models import OrgNode
from dangjian.orgs.permissions import OrgAction
from dangjian.testkit.clients import login

COLUMNS = ("id", "code", "kind", "name", "parent_id", "path", "depth", "dissolved_on")
ACTION = OrgAction.VIEW
SMALL_GROUP, SMALL_USER = "CT", "bench_small_user"
LARGE_GROUP, LARGE_USER = "SG01", "bench_group_user"
PAGE_SIZE = 100
API_URL = f"/api/orgs/?page_size={PAGE_SIZE}"
RATIO_LIMIT = 2.0  # issue 9: list pages within 2x of hand-written SQL
MIN_ENTERPRISES = 5000
MIN_PARTY_ORGS = 20000

# Written by hand, as a developer would without the ORM. The table name is checked against the
# model below so a rename cannot make the comparison silently meaningless.
TABLE = "orgs_orgnode"
RAW_LIST = (
    "SELECT id, code, kind, name, parent_id, path, depth, dissolved_on "
    "FROM orgs_orgnode WHERE {where} ORDER BY path"
)
RAW_PAGE = RAW_LIST + " LIMIT %s"
RAW_COUNT = "SELECT COUNT(*) FROM orgs_orgnode WHERE {where}"

Row = tuple[Any, ...]


class BenchmarkError(RuntimeError):
    """The run could not measure what it set out to measure."""


def raw_subtree_predicate(path: str) -> tuple[str, list[str]]:
    """The subtree predicate by hand, mirroring ``dangjian.core.scoping.subtree_q`` per vendor:
    a binary range on SQLite (whose LIKE is case-insensitive and skips the index), a prefix LIKE
    elsewhere (served by the ``varchar_pattern_ops`` index on PostgreSQL)."""
    if connection.vendor == "sqlite":
        return "path >= %s AND path < %s", [path, path + "~"]
    return "path LIKE %s", [path + "%"]


# --- the four measured operations; each returns (elapsed ns, result) ----------------------------


def orm_list(username: str) -> tuple[int, list[Row]]:
    user = User.objects.get(username=username)  # fresh object: grants are not cached yet
    start = time.perf_counter_ns()
    rows = list(OrgNode.objects.visible_to(user, ACTION).values_list(*COLUMNS))
    return time.perf_counter_ns() - start, rows


def raw_list(path: str) -> tuple[int, list[Row]]:
    where, params = raw_subtree_predicate(path)
    sql = RAW_LIST.format(where=where)
    connection.ensure_connection()
    start = time.perf_counter_ns()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    elapsed = time.perf_counter_ns() - start
    return elapsed, [tuple(row) for row in rows]


def api_page(client: Client) -> tuple[int, dict[str, Any]]:
    # On SQLite (CONN_MAX_AGE 0) the request opens its own connection, as it would when served.
    start = time.perf_counter_ns()
    response = client.get(API_URL, HTTP_ACCEPT="application/json")
    elapsed = time.perf_counter_ns() - start
    if response.status_code != 200:
        raise BenchmarkError(f"GET {API_URL} answered {response.status_code}")
    return elapsed, json.loads(response.content)


def raw_page(path: str) -> tuple[int, tuple[int, list[Row]]]:
    where, params = raw_subtree_predicate(path)
    count_sql, page_sql = RAW_COUNT.format(where=where), RAW_PAGE.format(where=where)
    connection.ensure_connection()  # the API request before may have closed it
    start = time.perf_counter_ns()
    with connection.cursor() as cursor:
        cursor.execute(count_sql, params)
        count = cursor.fetchone()[0]
        cursor.execute(page_sql, [*params, PAGE_SIZE])
        rows = cursor.fetchall()
    elapsed = time.perf_counter_ns() - start
    return elapsed, (count, [tuple(row) for row in rows])


# --- timing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    samples_ns: list[int]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ns) / 1e6

    @property
    def min_ms(self) -> float:
        return min(self.samples_ns) / 1e6

    @property
    def p10_ms(self) -> float:
        return statistics.quantiles(self.samples_ns, n=10)[0] / 1e6

    @property
    def p90_ms(self) -> float:
        return statistics.quantiles(self.samples_ns, n=10)[-1] / 1e6

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_ms": round(self.median_ms, 3),
            "min_ms": round(self.min_ms, 3),
            "p10_ms": round(self.p10_ms, 3),
            "p90_ms": round(self.p90_ms, 3),
            "samples_ms": [round(ns / 1e6, 3) for ns in self.samples_ns],
        }


def side_by_side(
    a: Callable[[], int], b: Callable[[], int], *, rounds: int, warmup: int
) -> tuple[Timing, Timing]:
    """Run A and B alternately in the same process, swapping which goes first every round."""
    for _ in range(warmup):
        a()
        b()
    samples_a: list[int] = []
    samples_b: list[int] = []
    for i in range(rounds):
        if i % 2 == 0:
            samples_a.append(a())
            samples_b.append(b())
        else:
            samples_b.append(b())
            samples_a.append(a())
    return Timing(samples_a), Timing(samples_b)


# --- query counts --------------------------------------------------------------------------------


def orm_list_queries(username: str) -> list[str]:
    user = User.objects.get(username=username)
    with CaptureQueriesContext(connection) as ctx:
        list(OrgNode.objects.visible_to(user, ACTION).values_list(*COLUMNS))
    return [q["sql"] for q in ctx.captured_queries]


def api_page_queries(client: Client) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(API_URL, HTTP_ACCEPT="application/json")
    if response.status_code != 200:
        raise BenchmarkError(f"GET {API_URL} answered {response.status_code}")
    return [q["sql"] for q in ctx.captured_queries]


def logged_in_client(username: str) -> Client:
    return login(Client(), User.objects.get(username=username))


# --- facts about the database -------------------------------------------------------------------


def database_facts() -> dict[str, str]:
    vendor = connection.vendor
    conf = connection.settings_dict
    version = ""
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
        elif vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
    if vendor == "sqlite":
        where = str(conf["NAME"])
    else:
        where = f"{conf.get('HOST') or 'localhost'}:{conf.get('PORT') or '-'}/{conf['NAME']}"
    return {"vendor": vendor, "version": version, "database": where}


def tree_facts() -> dict[str, int]:
    by_kind = dict(
        OrgNode.objects.order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return {
        "nodes": sum(by_kind.values()),
        "groups": by_kind.get(OrgKind.GROUP, 0),
        "enterprises": by_kind.get(OrgKind.ENTERPRISE, 0),
        "party_orgs": sum(n for kind, n in by_kind.items() if kind in PARTY_KINDS),
    }


def explain(sql: str, params: Any) -> str:
    prefix = connection.ops.explain_query_prefix()
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} {sql}", params)
        rows = cursor.fetchall()
    # SQLite: (id, parent, notused, detail); PostgreSQL: one text column per plan line.
    return "\n".join(str(row[-1]) for row in rows)


def explain_orm(username: str) -> str:
    user = User.objects.get(username=username)
    queryset = OrgNode.objects.visible_to(user, ACTION).values_list(*COLUMNS)
    return explain(*queryset.query.sql_with_params())


def explain_raw(path: str) -> str:
    where, params = raw_subtree_predicate(path)
    return explain(RAW_LIST.format(where=where), params)


def analyze_if_postgresql() -> bool:
    """Refresh planner statistics after the bulk load, as autovacuum would shortly after it.

    Without this PostgreSQL plans the freshly loaded table from stale estimates, which is not
    the state a running county database is in.
    """
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    return True


# --- the run -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def _same_page(api: dict[str, Any], raw_count: int, raw_rows: list[Row]) -> bool:
    api_keys = ("id", "code", "kind", "name", "parent", "path", "depth", "dissolved_on")
    api_rows = [tuple(r[key] for key in api_keys) for r in api["results"]]
    expected = [(*row[:7], row[7].isoformat() if row[7] is not None else None) for row in raw_rows]
    return api["count"] == raw_count and api_rows == expected


def run(*, enterprises: int, rounds: int, warmup: int, json_path: Path) -> int:
    if OrgNode._meta.db_table != TABLE:
        raise BenchmarkError(f"OrgNode's table is {OrgNode._meta.db_table}, not {TABLE}")
    build: dict[str, float] = {}

    # Refuse before migrating: a database with tables may be somebody's data.
    existing = connection.introspection.table_names()
    if existing:
        print(
            f"The benchmark database already has {len(existing)} tables; "
            "BENCH_DATABASE_URL must name an empty, disposable database."
        )
        return 2
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    build["migrate_s"] = time.perf_counter() - started
    database = database_facts()
    password = generate_initial_password()

    # Small tree: the demo county, a user granted the demo 集团.
    started = time.perf_counter()
    with command_context("bench"):
        build_demo_county(password=password)
        grant_for_benchmark(SMALL_USER, SMALL_GROUP, password)
    build["demo_county_s"] = time.perf_counter() - started
    small_rows = len(orm_list(SMALL_USER)[1])
    small_queries = {
        "orm_list": orm_list_queries(SMALL_USER),
        "api_page": api_page_queries(logged_in_client(SMALL_USER)),
    }

    # Large tree: the scale data, a user granted one of its 集团.
    started = time.perf_counter()
    with command_context("bench"):
        scale = build_scale(enterprises=enterprises)
        grant_for_benchmark(LARGE_USER, LARGE_GROUP, password)
    build["scale_s"] = time.perf_counter() - started
    analyzed = analyze_if_postgresql()
    tree = tree_facts()
    group_path = OrgNode.objects.get(code=LARGE_GROUP).path

    large_client = logged_in_client(LARGE_USER)
    large_queries = {
        "orm_list": orm_list_queries(LARGE_USER),
        "api_page": api_page_queries(large_client),
    }

    # Same rows, checked before anything is timed.
    orm_rows = orm_list(LARGE_USER)[1]
    raw_rows = raw_list(group_path)[1]
    api_data = api_page(large_client)[1]
    raw_count, raw_page_rows = raw_page(group_path)[1]
    rows_equal = orm_rows == raw_rows and len(orm_rows) > 0
    page_equal = _same_page(api_data, raw_count, raw_page_rows)
    plans = {"orm_list": explain_orm(LARGE_USER), "raw_list": explain_raw(group_path)}

    list_orm, list_raw = side_by_side(
        lambda: orm_list(LARGE_USER)[0],
        lambda: raw_list(group_path)[0],
        rounds=rounds,
        warmup=warmup,
    )
    page_api, page_raw = side_by_side(
        lambda: api_page(large_client)[0],
        lambda: raw_page(group_path)[0],
        rounds=rounds,
        warmup=warmup,
    )
    list_ratio = list_orm.median_ms / list_raw.median_ms
    page_ratio = page_api.median_ms / page_raw.median_ms

    counts = {
        name: {"small": len(small_queries[name]), "large": len(large_queries[name])}
        for name in ("orm_list", "api_page")
    }
    checks = [
        Check(
            "scale",
            tree["enterprises"] >= MIN_ENTERPRISES and tree["party_orgs"] >= MIN_PARTY_ORGS,
            f"{tree['enterprises']:,} enterprises >= {MIN_ENTERPRISES:,} and "
            f"{tree['party_orgs']:,} party organisations >= {MIN_PARTY_ORGS:,}",
        ),
        Check(
            "same rows",
            rows_equal and page_equal,
            f"ORM list == raw SQL ({len(orm_rows):,} rows): {rows_equal}; API page == raw page "
            f"({len(raw_page_rows)} rows, count {raw_count:,}): {page_equal}",
        ),
        Check(
            "query count constant",
            all(c["small"] == c["large"] for c in counts.values()),
            f"(1) ORM list {counts['orm_list']['small']} -> {counts['orm_list']['large']}; "
            f"(3) API page {counts['api_page']['small']} -> {counts['api_page']['large']}",
        ),
        Check(
            f"server time within {RATIO_LIMIT:.0f}x of raw SQL",
            list_ratio <= RATIO_LIMIT,
            f"median (1)/(2) = {list_ratio:.2f}x <= {RATIO_LIMIT:.1f}x",
        ),
    ]
    passed = all(c.passed for c in checks)

    report = {
        "benchmark": "orgs_list",
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "database": database,
        "parameters": {
            "enterprises": enterprises,
            "rounds": rounds,
            "warmup": warmup,
            "page_size": PAGE_SIZE,
            "ratio_limit": RATIO_LIMIT,
            "analyzed_after_load": analyzed,
        },
        "build_seconds": {k: round(v, 2) for k, v in build.items()},
        "scale_builder": scale,
        "tree": tree,
        "scoped": {
            "small": {"user": SMALL_USER, "group": SMALL_GROUP, "rows": small_rows},
            "large": {"user": LARGE_USER, "group": LARGE_GROUP, "rows": len(orm_rows)},
            "group_path": group_path,
        },
        "query_counts": counts,
        "queries": {"small": small_queries, "large": large_queries},
        "plans": plans,
        "timings": {
            "orm_list": list_orm.as_dict(),
            "raw_list": list_raw.as_dict(),
            "api_page": page_api.as_dict(),
            "raw_page": page_raw.as_dict(),
        },
        "ratios": {
            "orm_list_vs_raw": round(list_ratio, 3),
            "api_page_vs_raw": round(page_ratio, 3),
        },
        "checks": [c.__dict__ for c in checks],
        "passed": passed,
    }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    print_report(report, checks, json_path)
    return 0 if passed else 1


def _ms(value: float) -> str:
    return f"{value:8.2f} ms"


def print_report(report: dict[str, Any], checks: list[Check], json_path: Path) -> None:
    db, tree, scoped, build = (
        report["database"],
        report["tree"],
        report["scoped"],
        report["build_seconds"],
    )
    params, counts, t, ratios = (
        report["parameters"],
        report["query_counts"],
        report["timings"],
        report["ratios"],
    )
    small, large = scoped["small"], scoped["large"]
    small_head = f"{small['group']}, {small['rows']:,} rows"
    large_head = f"{large['group']}, {large['rows']:,} rows"
    lines = [
        "",
        "Benchmark: subtree-scoped organisation list (dangjian.benchmarks.orgs_list)",
        "=" * 78,
        f"Database      {db['vendor']} ({db['version']}) at {db['database']}",
        f"Tree          {tree['nodes']:,} nodes: {tree['groups']} groups, "
        f"{tree['enterprises']:,} enterprises, {tree['party_orgs']:,} party organisations",
        f"Scoped user   {large['user']}: supervisor on {large['group']} with descendants "
        f"-> {large['rows']:,} rows",
        f"Build         migrate {build['migrate_s']:.1f} s, demo county "
        f"{build['demo_county_s']:.1f} s, scale data {build['scale_s']:.1f} s"
        + (", then ANALYZE" if params["analyzed_after_load"] else ""),
        "",
        f"{'Query counts':<40}{'small tree':>18}{'large tree':>20}",
        f"{'':<40}{small_head:>18}{large_head:>20}",
        f"{'(1) ORM scoped list':<40}{counts['orm_list']['small']:>18}"
        f"{counts['orm_list']['large']:>20}",
        f"{'(3) GET ' + API_URL:<40}{counts['api_page']['small']:>18}"
        f"{counts['api_page']['large']:>20}",
        "",
        f"Server time: {params['rounds']} rounds after {params['warmup']} warm-up, "
        "A/B order alternating",
        f"{'':<40}{'median':>11}{'min':>11}{'p10':>11}{'p90':>11}",
    ]

    def timing_line(label: str, key: str) -> str:
        d = t[key]
        return (
            f"{label:<40}{_ms(d['median_ms']):>11}{_ms(d['min_ms']):>11}"
            f"{_ms(d['p10_ms']):>11}{_ms(d['p90_ms']):>11}"
        )

    lines += [
        timing_line(f"(1) ORM scoped list, {large['rows']:,} rows", "orm_list"),
        timing_line("(2) raw SQL, same rows", "raw_list"),
        f"{'    ratio (1)/(2)':<40}{ratios['orm_list_vs_raw']:>10.2f}x"
        f"   (limit {params['ratio_limit']:.1f}x)",
        timing_line(f"(3) GET {API_URL}", "api_page"),
        timing_line(f"(4) raw SQL: COUNT(*) + {PAGE_SIZE} rows", "raw_page"),
        f"{'    ratio (3)/(4)':<40}{ratios['api_page_vs_raw']:>10.2f}x   (informative)",
        "",
        "Plans (large tree)",
        *(f"  ORM  {line}" for line in report["plans"]["orm_list"].splitlines()),
        *(f"  raw  {line}" for line in report["plans"]["raw_list"].splitlines()),
        "",
        *(f"{'PASS' if c.passed else 'FAIL'}  {c.name}: {c.detail}" for c in checks),
        "",
        f"Figures written to {json_path}",
    ]
    print("\n".join(lines))
