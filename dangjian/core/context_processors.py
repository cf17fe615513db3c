from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from dangjian.core.navigation import entries_for
from dangjian.core.permissions import admin_role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The capability menu, showing only what the user's roles can use somewhere."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(e.key, e.label, reverse(e.url_name)) for e in entries_for(user)]
    return {"nav_items": items, "nav_admin_role": admin_role(user)}
