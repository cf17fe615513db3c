from __future__ import annotations

from dangjian.core.scoping import ScopedQuerySet


class MemberQuerySet(ScopedQuerySet):
    """Members are scoped by their branch's place on the tree."""

    scope_path_field = "org__path"
    scope_pk_field = "org_id"


class OwnedByMemberQuerySet(ScopedQuerySet):
    """Rows hanging off a member (timeline, transfers, registrations) follow the member's branch."""

    scope_path_field = "member__org__path"
    scope_pk_field = "member__org_id"
