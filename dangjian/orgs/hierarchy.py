"""Reads of the Party hierarchy: the 上级党组织 of a Party organisation, and whose members a
党委 or 党总支 counts for its size. The decisions are the pure rules in ``orgs.rules``; this
module only fetches what they need, in one query."""

from __future__ import annotations

from django.db.models import Q

from dangjian.orgs.models import OrgNode
from dangjian.orgs.rules import (
    PARTY_RANK,
    TreeRef,
    is_entity_party_org,
    upper_party_org,
)


def _ref(node: OrgNode) -> TreeRef:
    return TreeRef(node.pk, node.kind, node.parent_id, node.dissolved_on is not None)


def _ancestor_paths(node: OrgNode) -> list[str]:
    step = OrgNode.steplen
    return [node.path[: step * depth] for depth in range(1, node.depth)]


def _hierarchy_nodes(node: OrgNode) -> list[OrgNode]:
    """The node's ancestors and every Party organisation sitting directly under one of them."""
    above = _ancestor_paths(node)
    if not above:
        return []
    return list(
        OrgNode.objects.filter(
            Q(path__in=above) | Q(parent__path__in=above, kind__in=list(PARTY_RANK))
        ).only("pk", "kind", "name", "code", "parent_id", "dissolved_on", "path", "depth")
    )


def upper_party_org_of(node: OrgNode) -> OrgNode | None:
    """The 上级党组织 that approves this organisation's secretaries (批准) and receives its
    committee members' 备案; ``None`` at the top of the platform's Party tree (one query)."""
    nodes = _hierarchy_nodes(node)
    found = upper_party_org(_ref(node), [_ref(n) for n in nodes])
    return next((n for n in nodes if n.pk == found), None)


def size_scope(node: OrgNode) -> OrgNode:
    """Where a 党委 or 党总支 finds its members: the enterprise's (or group's) whole subtree
    when it is that unit's Party organisation (a group's 党委 sits beside the enterprises it
    leads), else its own subtree (a 党总支 inside an enterprise's 党委)."""
    parent = node.parent if node.parent_id else None
    if parent is None:
        return node
    siblings = OrgNode.objects.filter(parent_id=parent.pk, kind__in=list(PARTY_RANK)).exclude(
        pk=node.pk
    )
    if is_entity_party_org(_ref(node), [_ref(s) for s in siblings], parent.kind):
        return parent
    return node
