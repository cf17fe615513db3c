"""Query twins of the standing rules in ``members.rules``: the same decisions as SQL filters, so
counts on a page and the per-member answer cannot disagree (a test holds them together)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q

from dangjian.core.scoping import scope_q, subtree_q
from dangjian.members.choices import IN_SERVICE, MemberStatus
from dangjian.members.models import Member
from dangjian.members.permissions import MemberAction


def current_q(prefix: str = "") -> Q:
    """在册党员: the one definition of "current members" every count and default list uses
    (正式 and 预备, ``choices.IN_SERVICE``). Everyone else (停止党籍, 已转出, 出党, 死亡) is
    history, behind the list's 名册范围 filter."""
    return Q(**{f"{prefix}status__in": sorted(IN_SERVICE)})


def full_q(prefix: str = "") -> Q:
    """``rules.counts_as_full``: standing 正式, whatever the management states."""
    return Q(**{f"{prefix}status": MemberStatus.FULL})


def watched_q(on: date, prefix: str = "") -> Q:
    """``rules.under_watch`` on ``on`` (an open end is still under watch)."""
    p = prefix
    return Q(**{f"{p}watch_from__lte": on}) & (
        Q(**{f"{p}watch_until__isnull": True}) | Q(**{f"{p}watch_until__gte": on})
    )


def rights_suspended_q(on: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}rights_suspended_since__lte": on})


def voting_q(on: date, prefix: str = "") -> Q:
    """``rules.has_voting_rights`` on ``on``."""
    return full_q(prefix) & ~watched_q(on, prefix) & ~rights_suspended_q(on, prefix)


def roster_q(user: Any) -> Q:
    """The current members ``user`` may read, as a filter: the rows behind the branch page's
    党员名册 count, the default member list and the 双报到 page (one definition for all three)."""
    scope = scope_q(user, MemberAction.VIEW, path_field="org__path", pk_field="org_id")
    return current_q() if scope is None else current_q() & scope


def roster(user: Any, node: Any = None) -> Any:
    """``roster_q`` as rows, optionally within ``node``'s subtree."""
    rows = Member.objects.filter(roster_q(user))
    return rows.filter(subtree_q("org__path", node.path)) if node is not None else rows
