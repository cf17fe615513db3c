"""The tree page's member counts: members in service at or below each node shown, each count
linking to the registry list of exactly those members (``?org=<pk>``: the subtree filter)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Count
from django.urls import reverse

from dangjian.core.permissions import can_anywhere
from dangjian.members.choices import IN_SERVICE
from dangjian.members.models import Member
from dangjian.members.permissions import MemberAction
from dangjian.orgs.models import OrgNode
from dangjian.orgs.outline import Mark, covering_q, register_marks, subtree_totals


def member_counts(user: Any, nodes: Sequence[OrgNode], today: date) -> dict[int, list[Mark]]:
    """One query for all the nodes: in-service members the user may see, by branch path."""
    if not nodes or not can_anywhere(user, MemberAction.VIEW):
        return {}
    rows = (
        Member.objects.visible_to(user, MemberAction.VIEW)
        .filter(covering_q(nodes, "org__path"), status__in=IN_SERVICE)
        .values_list("org__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals = subtree_totals(nodes, rows)
    listing = reverse("members:list")
    return {
        pk: [
            Mark(
                f"{total}名党员",
                "light",
                f"{listing}?org={pk}",
                "在册党员（正式、预备），含下级组织",
            )
        ]
        for pk, total in totals.items()
    }


def register() -> None:
    register_marks("members.count", member_counts, order=10)
