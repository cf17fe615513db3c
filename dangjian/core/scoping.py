"""Scope as SQL: a user's grants become path-prefix predicates on the tree.

A grant with descendants on node N becomes ``path LIKE 'N.path%'`` (an indexed range scan); without
descendants it becomes ``node_id = N.id``. The grant list is one query, cached on the user object,
so the number of queries never depends on the size of the tree.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import connection, models
from django.db.models import Q

from dangjian.core.permissions import admin_role, has_platform_scope, roles_for, user_grants


def subtree_q(path_field: str, path: str) -> Q:
    """Rows whose path starts with ``path``.

    PostgreSQL serves ``LIKE 'p%'`` from Django's ``varchar_pattern_ops`` index. SQLite's LIKE is
    case-insensitive and skips the index, so there the same set is written as a binary range: tree
    paths use only 0-9A-Z, all below ``~``.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{path_field}__gte": path, f"{path_field}__lt": path + "~"})
    return Q(**{f"{path_field}__startswith": path})


def scope_q(user: Any, action: str, *, path_field: str, pk_field: str) -> Q | None:
    """The predicate for ``action``: ``None`` is unrestricted, ``Q(pk__in=[])`` is nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if has_platform_scope(user, action):
        return None
    allowed = roles_for(action)
    predicate = Q(pk__in=[])
    for grant in user_grants(user):
        if grant.role not in allowed:
            continue
        if grant.include_descendants:
            predicate |= subtree_q(path_field, grant.node.path)
        else:
            predicate |= Q(**{pk_field: grant.node_id})
    return predicate


class ScopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """Base queryset for everything owned by an organisation node.

    Subclasses name how to reach the owning node's path and id (``org__path`` / ``org_id`` for an
    owned model, ``path`` / ``pk`` for the node itself).
    """

    scope_path_field = "org__path"
    scope_pk_field = "org_id"

    def visible_to(self, user: Any, action: str) -> Self:
        predicate = scope_q(
            user, action, path_field=self.scope_path_field, pk_field=self.scope_pk_field
        )
        return self if predicate is None else self.filter(predicate)


def permits(user: Any, action: str, *, path: str, pk: int) -> bool:
    """The same decision as ``scope_q`` for one already-loaded node, without a query."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_platform_scope(user, action):
        return True
    allowed = roles_for(action)
    return any(
        grant.role in allowed and _covers(grant, path=path, pk=pk) for grant in user_grants(user)
    )


def _covers(grant: Any, *, path: str, pk: int) -> bool:
    """Whether one grant reaches the node (``path``, ``pk``): the Python twin of ``scope_q``."""
    return grant.node_id == pk or (grant.include_descendants and path.startswith(grant.node.path))


def roles_at(user: Any, *, path: str, pk: int) -> frozenset[str]:
    """Every role ``user`` holds at one node: its admin role (platform-wide) and the roles of
    the grants that reach the node. Workflow steps are allowed per role, not per action."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles = {grant.role for grant in user_grants(user) if _covers(grant, path=path, pk=pk)}
    if admin := admin_role(user):
        roles.add(admin)
    return frozenset(roles)


def scope_root(user: Any, action: str) -> Any:
    """The highest node where the user may perform ``action`` (the root for platform scope)."""
    from dangjian.orgs.models import OrgNode

    if has_platform_scope(user, action):
        return OrgNode.objects.get(depth=1)
    allowed = roles_for(action)
    nodes = [g.node for g in user_grants(user) if g.role in allowed]
    if not nodes:
        return None
    top = min(nodes, key=lambda node: (len(node.path), node.path))
    return OrgNode.objects.get(pk=top.pk)
