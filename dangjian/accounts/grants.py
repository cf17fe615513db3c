"""The query behind ``core.permissions.user_grants``: a user's active grants with their nodes."""

from __future__ import annotations

from typing import Any

from dangjian.accounts.models import Grant


def active_grants(user: Any) -> list[Any]:
    return list(
        Grant.objects.filter(user_id=user.pk, node__dissolved_on__isnull=True)
        .select_related("node")
        .only(
            "id",
            "role",
            "include_descendants",
            "node__id",
            "node__path",
            "node__name",
            "node__kind",
            "node__depth",
            "node__code",
        )
        .order_by("node__path", "role")
    )
