"""The county's problem list: every registered source's rows in the user's scope, with the 集团
and 企业 each row belongs to, filtered, sorted and written to CSV or xlsx.

The rows come from ``core.problems`` (each source reads its facts for the whole scope in a
constant number of queries); this module adds one query for the scope's groups and enterprises,
so the page costs the same number of queries for ten organisations or twenty thousand.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter

from dangjian.core.exports import safe_row
from dangjian.core.problems import (
    LEVEL_RANK,
    LEVELS,
    Problem,
    ProblemKind,
    collect_problems,
    problem_kinds,
)
from dangjian.core.scoping import in_subtree
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode
from dangjian.orgs.permissions import OrgAction

SORTS = {
    "level": "级别（严重在前）",
    "org": "组织（按组织树）",
    "kind": "类型",
}


@dataclass(frozen=True)
class Unit:
    pk: int
    path: str
    name: str
    code: str
    kind: str


@dataclass(frozen=True)
class Row:
    problem: Problem
    kind: ProblemKind
    group: Unit | None
    enterprise: Unit | None


def scope_units(user: Any) -> dict[str, Unit]:
    """The groups and enterprises the user may see, by path (one query)."""
    nodes = (
        OrgNode.objects.visible_to(user, OrgAction.VIEW)
        .filter(kind__in=[OrgKind.GROUP, OrgKind.ENTERPRISE], dissolved_on__isnull=True)
        .values_list("pk", "path", "name", "code", "kind")
    )
    return {path: Unit(pk, path, name, code, kind) for pk, path, name, code, kind in nodes}


def _owners(path: str, units: dict[str, Unit]) -> tuple[Unit | None, Unit | None]:
    """The group and the nearest enterprise at or above ``path``."""
    step = OrgNode.steplen
    group = enterprise = None
    for end in range(step, len(path) + 1, step):
        unit = units.get(path[:end])
        if unit is None:
            continue
        if unit.kind == OrgKind.GROUP:
            group = unit
        else:
            enterprise = unit
    return group, enterprise


def problem_rows(user: Any, today: date) -> tuple[list[Row], dict[str, Unit]]:
    kinds = problem_kinds()
    units = scope_units(user)
    rows = []
    owners: dict[str, tuple[Unit | None, Unit | None]] = {}
    for problem in collect_problems(user, today):
        path = problem.org_path
        if path not in owners:
            owners[path] = _owners(path, units)
        group, enterprise = owners[path]
        kind = kinds.get(problem.kind) or ProblemKind(problem.kind, problem.kind)
        rows.append(Row(problem, kind, group, enterprise))
    return rows, units


def filter_rows(rows: list[Row], units: dict[str, Unit], data: dict[str, Any]) -> list[Row]:
    """Rows under the chosen 集团/企业 (a path prefix), of the chosen kind and level."""
    by_pk = {unit.pk: unit for unit in units.values()}
    for key in ("group", "enterprise"):
        unit = by_pk.get(data.get(key) or 0)
        if unit is not None:
            rows = [r for r in rows if in_subtree(r.problem.org_path, unit.path)]
    if data.get("kind"):
        rows = [r for r in rows if r.problem.kind == data["kind"]]
    if data.get("level"):
        rows = [r for r in rows if r.problem.level == data["level"]]
    return sort_rows(rows, data.get("sort") or "level")


def sort_rows(rows: list[Row], sort: str) -> list[Row]:
    order = list(problem_kinds())

    def kind_rank(row: Row) -> int:
        return order.index(row.problem.kind) if row.problem.kind in order else len(order)

    def level(row: Row) -> int:
        return LEVEL_RANK.get(row.problem.level, 9)

    if sort == "org":
        return sorted(rows, key=lambda r: (r.problem.org_path, level(r), kind_rank(r)))
    if sort == "kind":
        return sorted(rows, key=lambda r: (kind_rank(r), level(r), r.problem.org_path))
    return sorted(rows, key=lambda r: (level(r), kind_rank(r), r.problem.org_path))


def kind_counts(rows: list[Row]) -> list[tuple[ProblemKind, int, str]]:
    """(kind, rows, most serious level) for each kind present, in the registry's order."""
    counts = Counter(r.problem.kind for r in rows)
    worst: dict[str, str] = {}
    for r in rows:
        current = worst.get(r.problem.kind)
        if current is None or LEVEL_RANK[r.problem.level] < LEVEL_RANK[current]:
            worst[r.problem.kind] = r.problem.level
    kinds = problem_kinds()
    return [(kinds[code], counts[code], worst[code]) for code in kinds if counts[code]]


def unit_counts(rows: list[Row], attr: str, limit: int = 10) -> list[tuple[Unit, int]]:
    """The units (``group`` or ``enterprise``) with the most rows, most first."""
    counts: Counter[Unit] = Counter(getattr(r, attr) for r in rows if getattr(r, attr))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].path))[:limit]


HEADERS = [
    "级别",
    "级别代码",
    "类型",
    "类型代码",
    "组织",
    "组织编码",
    "所属集团",
    "所属企业",
    "党员",
    "说明",
    "依据",
    "处理页面",
]


def _values(row: Row, base_url: str) -> list[Any]:
    p = row.problem
    return [
        LEVELS.get(p.level, p.level),
        p.level,
        row.kind.label,
        p.kind,
        p.org_name,
        p.org_code,
        row.group.name if row.group else "",
        row.enterprise.name if row.enterprise else "",
        p.subject,
        p.message,
        p.source,
        base_url + p.url,
    ]


def to_csv(rows: list[Row], base_url: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(safe_row(_values(row, base_url)))
    # The BOM makes Excel and WPS read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[Row], base_url: str, *, title: str) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("问题清单")
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 0, title)
    for col, header in enumerate(HEADERS):
        sheet.write_string(1, col, header, bold)
    for index, row in enumerate(rows, start=2):
        for col, value in enumerate(safe_row(_values(row, base_url))):
            sheet.write_string(index, col, str(value))
    sheet.set_column(4, 4, 36)
    sheet.set_column(9, 9, 60)
    book.close()
    return buffer.getvalue()
