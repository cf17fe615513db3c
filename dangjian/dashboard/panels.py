"""The workbench's own home panels: what to do now (from the problem registry), where the
problems sit (by 集团 and 企业), and a member's own corner. Every figure links to its rows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from dangjian.core import clock
from dangjian.core.panels import HOME, Panel, register_panel
from dangjian.core.permissions import admin_role, can_anywhere
from dangjian.dashboard.permissions import WorkbenchAction
from dangjian.dashboard.worklist import Row, Unit, kind_counts, problem_rows, unit_counts
from dangjian.orgs.permissions import OrgAction
from dangjian.orgs.scope import scope_roots

TOP_ROWS = 8


def _rows(request: HttpRequest) -> tuple[list[Row], dict[str, Unit]]:
    """The problem rows once per request, shared by the panels that show them."""
    cached = getattr(request, "_workbench_rows", None)
    if cached is None:
        cached = problem_rows(request.user, clock.today())
        request._workbench_rows = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def todo(request: HttpRequest, _: Any) -> dict[str, Any] | None:
    user = request.user
    if not can_anywhere(user, WorkbenchAction.PROBLEMS):
        return None
    rows, _units = _rows(request)
    roots = scope_roots(user, WorkbenchAction.PROBLEMS, only=("pk", "name", "kind", "path"))
    url = reverse("dashboard:problems")
    return {
        "county": any(r.depth == 1 for r in roots),
        "roots": roots,
        "counts": [
            {"kind": kind, "n": n, "level": level, "url": f"{url}?kind={kind.code}"}
            for kind, n, level in kind_counts(rows)
        ],
        "top": rows[:TOP_ROWS],
        "problem_total": len(rows),
        "list_url": url,
    }


def _chart(pairs: list[tuple[Unit, int]], key: str) -> dict[str, Any]:
    url = reverse("dashboard:problems")
    return {
        "labels": [unit.name for unit, _ in pairs],
        "values": [n for _, n in pairs],
        "urls": [f"{url}?{key}={unit.pk}" for unit, _ in pairs],
    }


def by_unit(request: HttpRequest, _: Any) -> dict[str, Any] | None:
    """Problems by 集团 and by 企业: only where the scope holds more than one of them."""
    if not can_anywhere(request.user, WorkbenchAction.PROBLEMS):
        return None
    rows, units = _rows(request)
    groups = unit_counts(rows, "group", limit=20)
    enterprises = unit_counts(rows, "enterprise", limit=10)
    kinds = {u.kind for u in units.values()}
    show_groups = len(groups) > 1
    show_enterprises = len(enterprises) > 1 or (enterprises and "group" in kinds)
    if not (show_groups or show_enterprises):
        return None
    return {
        "groups": _chart(groups, "group") if show_groups else None,
        "enterprises": _chart(enterprises, "enterprise") if show_enterprises else None,
        "group_rows": [(u, n, f"{reverse('dashboard:problems')}?group={u.pk}") for u, n in groups]
        if show_groups
        else [],
        "enterprise_rows": [
            (u, n, f"{reverse('dashboard:problems')}?enterprise={u.pk}") for u, n in enterprises
        ]
        if show_enterprises
        else [],
    }


def mine(request: HttpRequest, _: Any) -> dict[str, Any] | None:
    """A member's corner: their own record and their branch (kept small; the record's page is
    the members app's). Shown to the business accounts that have no problem list: members."""
    user = request.user
    if admin_role(user) or can_anywhere(user, WorkbenchAction.PROBLEMS):
        return None
    branches = scope_roots(user, OrgAction.VIEW, only=("pk", "name", "kind", "path"))
    if not branches:
        return None
    try:
        own = reverse("members:mine")
    except NoReverseMatch:
        own = ""
    return {"own_url": own, "branches": branches}


def register_panels() -> None:
    register_panel(HOME, Panel("workbench.mine", "dashboard/panels/mine.html", mine, 1))
    register_panel(HOME, Panel("workbench.todo", "dashboard/panels/todo.html", todo, 5))
    register_panel(HOME, Panel("workbench.units", "dashboard/panels/by_unit.html", by_unit, 10))
