"""Governance's section of the org page: structure checks, the committee and its members, and an
enterprise's leadership (the org page renders it without importing governance)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dangjian.core import clock
from dangjian.core.panels import ORG_DETAIL, Panel, register_panel
from dangjian.core.permissions import admin_role
from dangjian.core.scoping import permits
from dangjian.governance.permissions import GovernanceAction
from dangjian.governance.services import governance_context
from dangjian.members.permissions import MemberAction
from dangjian.orgs.models import OrgNode


def org_section(request: HttpRequest, node: OrgNode) -> dict[str, Any] | None:
    # Committees and their members are business data: 三员 accounts see the tree's names only.
    if admin_role(request.user):
        return None
    can = {
        name: permits(request.user, action, path=node.path, pk=node.pk)
        for name, action in (
            ("governance", GovernanceAction.CHANGE),
            ("add_member", MemberAction.ADD),
            ("view_members", MemberAction.VIEW),
        )
    }
    viewer = request.user if can["view_members"] else None
    context = governance_context(node, today=clock.today(), viewer=viewer)
    return {**context, "node": node, "can": can}


def register_panels() -> None:
    register_panel(
        ORG_DETAIL,
        Panel("governance.org", "governance/panels/org_detail.html", org_section, order=10),
    )
