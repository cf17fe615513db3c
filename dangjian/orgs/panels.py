"""The tree's contribution to the home page: counts straight from the tree, in the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse

from dangjian.core.panels import HOME, Panel, register_panel
from dangjian.core.permissions import can_anywhere
from dangjian.orgs.choices import OperatingStatus, OrgKind
from dangjian.orgs.models import EnterpriseProfile, OrgNode
from dangjian.orgs.permissions import OrgAction


def home_overview(request: HttpRequest, _: Any) -> dict[str, Any] | None:
    if not can_anywhere(request.user, OrgAction.VIEW):
        return None
    visible = OrgNode.objects.visible_to(request.user, OrgAction.VIEW).filter(
        dissolved_on__isnull=True
    )
    by_kind = dict(visible.order_by().values_list("kind").annotate(n=Count("id")))
    # A branch's own tree (itself and its 党小组) is no overview: its workbench says the rest.
    if not set(by_kind) - {OrgKind.BRANCH, OrgKind.PARTY_GROUP}:
        return None
    enterprises = EnterpriseProfile.objects.filter(
        org__in=visible.filter(kind=OrgKind.ENTERPRISE).values("pk")
    )
    by_status = dict(enterprises.order_by().values_list("operating_status").annotate(n=Count("id")))
    tree = reverse("orgs:tree")
    # Only the kinds the scope holds: a branch's home shows no 集团 or 企业 cards at zero.
    kind_rows = [
        (k.value, k.label, by_kind[k.value], f"{tree}?kind={k.value}")
        for k in OrgKind
        if by_kind.get(k.value)
    ]
    # One enterprise: its own status, not a table of zeros beside it.
    single = sum(by_status.values()) == 1
    status_rows = [
        (s.value, s.label, by_status.get(s.value, 0))
        for s in OperatingStatus
        if by_status and not (single and not by_status.get(s.value))
    ]
    # No chart of these counts: it would say what the cards say (the workbench charts member
    # structure and where the problems are instead).
    return {"kind_rows": kind_rows, "status_rows": status_rows, "total": sum(by_kind.values())}


def register_panels() -> None:
    register_panel(
        HOME, Panel("orgs.overview", "orgs/panels/home_overview.html", home_overview, 30)
    )
