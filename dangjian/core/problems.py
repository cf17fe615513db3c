"""Problem sources as a registry: each app says what is wrong or due in a user's scope, and the
workbench lists every source's rows in one place (the county's problem list, the home cards)
without importing the apps that found them.

A source declares the kinds it reports (a code, a Chinese label, a level) and a function that
returns its rows for a user on a day, reading only what the user may see, in a constant number
of queries whatever the size of the scope (one query per kind of fact, never one per
organisation). A row names the organisation (by path, so the list can filter by 集团 or 企业 with
a prefix), the kind, a Chinese message, the rule it rests on and the page where it is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured

ERROR, WARNING, INFO = "error", "warning", "info"
LEVELS: dict[str, str] = {ERROR: "不符合", WARNING: "提醒", INFO: "提示"}
LEVEL_RANK = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class ProblemKind:
    code: str
    label: str
    # What the home page's card calls the rows of this kind ("换届到期"), shorter than the label.
    card: str = ""


@dataclass(frozen=True)
class Problem:
    org_id: int
    org_path: str
    org_name: str
    org_code: str
    kind: str
    level: str
    message: str
    source: str
    url: str
    subject: str = ""  # a member's name when the row is about one member

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.level, self.level)


@dataclass(frozen=True)
class ProblemSource:
    key: str
    kinds: tuple[ProblemKind, ...]
    rows: Callable[[Any, date], list[Problem]]
    order: int = 100


_SOURCES: dict[str, ProblemSource] = {}


def register_problem_source(source: ProblemSource) -> None:
    if _SOURCES.get(source.key, source) != source:
        raise ImproperlyConfigured(f"problem source {source.key!r} registered twice")
    taken = {
        kind.code for other in _SOURCES.values() if other.key != source.key for kind in other.kinds
    }
    clash = taken & {kind.code for kind in source.kinds}
    if clash:
        raise ImproperlyConfigured(f"problem kinds {sorted(clash)} declared by two sources")
    _SOURCES[source.key] = source


def problem_sources() -> list[ProblemSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def problem_kinds() -> dict[str, ProblemKind]:
    """Every declared kind by code, in the sources' order."""
    return {kind.code: kind for source in problem_sources() for kind in source.kinds}


class UrlPattern:
    """``reverse(name, args=[pk])`` for many pks at the price of one ``reverse``: a list of a
    thousand rows would otherwise spend most of its time resolving the same pattern."""

    SENTINEL = 987654321

    def __init__(self, name: str) -> None:
        from django.urls import reverse

        self.prefix, _, self.suffix = reverse(name, args=[self.SENTINEL]).partition(
            str(self.SENTINEL)
        )

    def __call__(self, pk: int) -> str:
        return f"{self.prefix}{pk}{self.suffix}"


def collect_problems(user: Any, today: date) -> list[Problem]:
    """Every source's rows for ``user`` on ``today``, most serious first, then by place."""
    rows = [row for source in problem_sources() for row in source.rows(user, today)]
    return sorted(rows, key=problem_order)


def problem_order(row: Problem) -> tuple[int, str, str, str]:
    return (LEVEL_RANK.get(row.level, 9), row.org_path, row.kind, row.subject)
