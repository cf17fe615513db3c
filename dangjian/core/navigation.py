"""The capability menu as a registry: each app adds its entries from its ``apps.py`` ready().

An entry is shown when the user's roles allow its action somewhere (and its ``show`` test, if it
has one, passes); the menu is ordered by ``order`` so apps need not know about each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from dangjian.core.permissions import can_anywhere


@dataclass(frozen=True)
class NavEntry:
    key: str  # matched against the page's ``nav_active``
    label: str
    url_name: str
    order: int
    action: str | None = None  # None: every signed-in user
    show: Callable[[Any], bool] | None = None


_ENTRIES: dict[str, NavEntry] = {}


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
