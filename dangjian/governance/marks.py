"""The tree page's warning flags: how many Party organisations at or below each node shown have
an error or a warning of the structure rules (the same findings as the organisation page).

All the nodes at once, in four queries whatever their number: the organisations, their members
by branch, their current terms and those terms' seats. The 党委/党总支 size check, which needs a
scope of its own per organisation, is left to the organisation page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from dangjian.core.permissions import admin_role, can_anywhere
from dangjian.core.scoping import in_subtree
from dangjian.governance.models import CommitteeSeat, CommitteeTerm
from dangjian.governance.permissions import GovernanceAction
from dangjian.governance.rules import ERROR, WARNING
from dangjian.governance.services import COMMITTEE_KINDS, findings_from_facts
from dangjian.members.choices import IN_SERVICE
from dangjian.members.models import Member
from dangjian.members.selectors import full_q
from dangjian.orgs.models import OrgNode
from dangjian.orgs.outline import Mark, covering_q, register_marks, subtree_totals

SHOWN_NAMES = 5


def _flagged(user: Any, nodes: Sequence[OrgNode], today: date) -> list[tuple[OrgNode, str]]:
    """The organisations under ``nodes`` with an error or warning, with the worst level."""
    orgs = list(
        OrgNode.objects.visible_to(user, GovernanceAction.VIEW)
        .filter(covering_q(nodes, "path"), kind__in=COMMITTEE_KINDS, dissolved_on__isnull=True)
        .only("id", "path", "depth", "kind", "name", "parent_id")
    )
    if not orgs:
        return []
    members = (
        Member.objects.filter(covering_q(orgs, "org__path"))
        .values_list("org__path")
        .annotate(
            full=Count("id", filter=full_q()), active=Count("id", filter=Q(status__in=IN_SERVICE))
        )
        .order_by()
    )
    rows = list(members)
    full = subtree_totals(orgs, [(path, n) for path, n, _ in rows])
    active = subtree_totals(orgs, [(path, n) for path, _, n in rows])
    terms = {t.org_id: t for t in CommitteeTerm.objects.filter(org__in=orgs, ended_on__isnull=True)}
    seats: dict[int, list[CommitteeSeat]] = {}
    for seat in CommitteeSeat.objects.filter(term__in=terms.values()).select_related("member__org"):
        seats.setdefault(seat.term_id, []).append(seat)
    flagged = []
    for org in orgs:
        term = terms.get(org.pk)
        counts = {"full": full[org.pk], "active": active[org.pk]}
        # The 党委/党总支 size check needs queries of its own: the org page shows it.
        found = findings_from_facts(
            org, counts, term, seats.get(term.pk, []) if term else [], today, []
        )
        levels = {f.level for f in found}
        if ERROR in levels:
            flagged.append((org, ERROR))
        elif WARNING in levels:
            flagged.append((org, WARNING))
    return flagged


def structure_flags(user: Any, nodes: Sequence[OrgNode], today: date) -> dict[int, list[Mark]]:
    if not nodes or admin_role(user) or not can_anywhere(user, GovernanceAction.VIEW):
        return {}
    flagged = _flagged(user, nodes, today)
    marks: dict[int, list[Mark]] = {}
    for node in nodes:
        under = [(org, level) for org, level in flagged if in_subtree(org.path, node.path)]
        if not under:
            continue
        names = "、".join(org.name for org, _ in under[:SHOWN_NAMES])
        more = f"等{len(under)}个" if len(under) > SHOWN_NAMES else ""
        tone = "danger" if any(level == ERROR for _, level in under) else "warning"
        only = under[0][0] if len(under) == 1 else None
        marks[node.pk] = [
            Mark(
                f"{len(under)}个组织设置问题",
                tone,
                reverse("orgs:detail", args=[only.pk]) if only else "",
                f"组织设置检查发现问题：{names}{more}",
            )
        ]
    return marks


def register() -> None:
    register_marks("governance.structure", structure_flags, order=20)
