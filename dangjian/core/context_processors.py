from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from dangjian.core.navigation import groups_for
from dangjian.core.permissions import admin_role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The capability menu, grouped, showing only what the user's roles can use somewhere.

    ``nav_groups`` is a list of (label, [(key, label, url), …]); ``nav_items`` is the same
    entries flat, for pages and tests that only need the list."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": []}
    groups = [
        (group.label, [(e.key, e.label, reverse(e.url_name)) for e in entries])
        for group, entries in groups_for(user)
    ]
    items = [item for _, entries in groups for item in entries]
    return {
        "nav_items": items,
        "nav_groups": groups,
        "nav_admin_role": admin_role(user),
        "nav_path_key": _path_key(request.path, items),
    }


def _path_key(path: str, items: list[tuple[str, str, str]]) -> str:
    """The entry whose address is the longest prefix of the path: the active entry of pages that
    do not name one (``nav_active``). The home page matches only itself."""
    best, length = "", 0
    for key, _, url in items:
        matches = path == url if url == "/" else path.startswith(url)
        if matches and len(url) > length:
            best, length = key, len(url)
    return best
