from __future__ import annotations

from dangjian.core.scoping import ScopedQuerySet


class OrgOwnedQuerySet(ScopedQuerySet):
    scope_path_field = "org__path"
    scope_pk_field = "org_id"


class TermOwnedQuerySet(ScopedQuerySet):
    scope_path_field = "term__org__path"
    scope_pk_field = "term__org_id"
