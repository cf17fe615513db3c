"""Query twins of the standing rules in ``members.rules``: the same decisions as SQL filters, so
counts on a page and the per-member answer cannot disagree (a test holds them together)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from dangjian.members.choices import MemberStatus


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
