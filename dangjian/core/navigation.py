"""The capability menu as a registry: each app adds its entries from its ``apps.py`` ready().

An entry is shown when the user's roles allow its action somewhere (and its ``show`` test, if it
has one, passes); the menu is ordered by ``order`` so apps need not know about each other.

Entries sit in capability groups (the left navigation's headings). A group is declared by the
app that owns the capability (``register_nav_group``); core declares only its own (系统管理 and
接口文档). An entry names its group by key; an unknown key fails when the menu is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from dangjian.core.permissions import can_anywhere

SYSTEM_GROUP = "system"
API_GROUP = "api"


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    order: int


@dataclass(frozen=True)
class NavEntry:
    key: str  # matched against the page's ``nav_active``
    label: str
    url_name: str
    order: int
    action: str | None = None  # None: every signed-in user
    show: Callable[[Any], bool] | None = None
    group: str = SYSTEM_GROUP


_ENTRIES: dict[str, NavEntry] = {}
_GROUPS: dict[str, NavGroup] = {}


def register_nav_group(group: NavGroup) -> None:
    if _GROUPS.get(group.key, group) != group:
        raise ImproperlyConfigured(f"navigation group {group.key!r} registered twice")
    _GROUPS[group.key] = group


def register_nav(entry: NavEntry) -> None:
    if _ENTRIES.get(entry.key, entry) != entry:
        raise ImproperlyConfigured(f"navigation entry {entry.key!r} registered twice")
    _ENTRIES[entry.key] = entry


def entries_for(user: Any) -> list[NavEntry]:
    return [
        entry
        for entry in sorted(_ENTRIES.values(), key=lambda e: (e.order, e.key))
        if (entry.action is None or can_anywhere(user, entry.action))
        and (entry.show is None or entry.show(user))
    ]


def groups_for(user: Any) -> list[tuple[NavGroup, list[NavEntry]]]:
    """The user's entries under their groups, groups in their order; empty groups are left out."""
    grouped: dict[str, list[NavEntry]] = {}
    for entry in entries_for(user):
        if entry.group not in _GROUPS:
            raise ImproperlyConfigured(
                f"navigation entry {entry.key!r} names an undeclared group {entry.group!r}"
            )
        grouped.setdefault(entry.group, []).append(entry)
    ordered = sorted(grouped, key=lambda key: (_GROUPS[key].order, key))
    return [(_GROUPS[key], grouped[key]) for key in ordered]
