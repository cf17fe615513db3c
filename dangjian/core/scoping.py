"""Scope as SQL: a user's grants become path-prefix predicates on the tree.

One decision, two spellings. ``reaches`` says where a user's grants reach for an action: nowhere,
everywhere (platform scope), or a list of ``Reach`` — a node, and its subtree when the grant
includes descendants. Each ``Reach`` is written once as SQL (``Reach.q``: ``path LIKE 'N.path%'``,
an indexed range scan, or ``node_id = N.id``) and once as Python (``Reach.covers``, for a node
already loaded), so ``visible_to``, ``permits`` and ``roles_at`` cannot disagree (a property test
in ``core/tests/test_scope_agreement.py`` holds them to it). The grant list is one query, cached
on the user object, so the number of queries never depends on the size of the tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self

from django.db import connection, models
from django.db.models import Q

from dangjian.core.actors import Actor, SystemActor, require_actor
from dangjian.core.errors import NotAllowed, NotVisible
from dangjian.core.permissions import (
    admin_role,
    can_anywhere,
    has_platform_scope,
    roles_for,
    user_grants,
)


def subtree_q(path_field: str, path: str) -> Q:
    """Rows whose path starts with ``path``.

    PostgreSQL serves ``LIKE 'p%'`` from Django's ``varchar_pattern_ops`` index. SQLite's LIKE is
    case-insensitive and skips the index, so there the same set is written as a binary range: tree
    paths use only 0-9A-Z, all below ``~``.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{path_field}__gte": path, f"{path_field}__lt": path + "~"})
    return Q(**{f"{path_field}__startswith": path})


def in_subtree(path: str, root_path: str) -> bool:
    """The Python twin of ``subtree_q``: whether the node at ``path`` is ``root_path`` or below."""
    return path.startswith(root_path)


NOTHING = Q(pk__in=[])  # the predicate no row satisfies


@dataclass(frozen=True)
class Reach:
    """Where one grant reaches: the node ``pk`` at ``path``, and its subtree when ``subtree``."""

    pk: int
    path: str
    subtree: bool

    def q(self, *, path_field: str, pk_field: str) -> Q:
        return subtree_q(path_field, self.path) if self.subtree else Q(**{pk_field: self.pk})

    def covers(self, *, path: str, pk: int) -> bool:
        return in_subtree(path, self.path) if self.subtree else pk == self.pk


def _acting(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and user.is_active


def role_reaches(user: Any) -> list[tuple[str, Reach]]:
    """Each business role the user holds and where it reaches (nothing for an inactive user)."""
    if not _acting(user):
        return []
    return [
        (grant.role, Reach(grant.node_id, grant.node.path, grant.include_descendants))
        for grant in user_grants(user)
    ]


def reaches(user: Any, action: str) -> list[Reach] | None:
    """Where ``user`` may perform ``action``: ``None`` is everywhere, ``[]`` is nowhere."""
    if not _acting(user):
        return []
    if has_platform_scope(user, action):
        return None
    allowed = roles_for(action)
    return [reach for role, reach in role_reaches(user) if role in allowed]


def reach_q(found: Iterable[Reach], *, path_field: str, pk_field: str) -> Q:
    predicate = NOTHING
    for reach in found:
        predicate |= reach.q(path_field=path_field, pk_field=pk_field)
    return predicate


def top_reaches(found: Iterable[Reach]) -> list[Reach]:
    """The reaches whose node has no other reached node above it, one per node, by path.

    Every visible node is either a reached node or lies below one, so the top-most visible nodes
    are exactly these (whatever their ``subtree`` flag: a node whose parent is visible is not a
    top-most node even when the parent's grant stops at the parent)."""
    by_pk: dict[int, Reach] = {}
    for reach in found:
        by_pk.setdefault(reach.pk, reach)
    paths = {reach.path for reach in by_pk.values()}
    return sorted(
        (
            reach
            for reach in by_pk.values()
            if not any(p != reach.path and in_subtree(reach.path, p) for p in paths)
        ),
        key=lambda reach: reach.path,
    )


def scope_q(user: Any, action: str, *, path_field: str, pk_field: str) -> Q | None:
    """The predicate for ``action``: ``None`` is unrestricted, ``NOTHING`` is nothing."""
    found = reaches(user, action)
    return None if found is None else reach_q(found, path_field=path_field, pk_field=pk_field)


def permits(user: Any, action: str, *, path: str, pk: int) -> bool:
    """The same decision as ``scope_q`` for one already-loaded node, without a query."""
    found = reaches(user, action)
    return found is None or any(reach.covers(path=path, pk=pk) for reach in found)


def require_permits(actor: Actor, action: str, *, path: str, pk: int) -> None:
    """A service's own scope gate for a write on the node at ``path``/``pk``.

    A ``SystemActor`` (command, job) passes: it is bounded by its workflow roles, not by a tree.
    A user whose roles allow ``action`` somewhere but not here gets ``NotVisible`` (the edges
    answer 404, as for a missing object); one whose roles allow it nowhere gets ``NotAllowed``
    (403). ``None`` is a ``TypeError``."""
    require_actor(actor)
    if isinstance(actor, SystemActor):
        return
    if permits(actor, action, path=path, pk=pk):
        return
    if _acting(actor) and can_anywhere(actor, action):
        raise NotVisible
    raise NotAllowed("您的角色无权执行此操作")


def require_anywhere(actor: Actor, action: str) -> None:
    """The gate for a write not tied to one node (county settings): the actor's roles must allow
    ``action`` somewhere (else ``NotAllowed``); a ``SystemActor`` passes."""
    require_actor(actor)
    if isinstance(actor, SystemActor):
        return
    if not (_acting(actor) and can_anywhere(actor, action)):
        raise NotAllowed("您的角色无权执行此操作")


def require_permits_on(actor: Actor, action: str, node: Any) -> None:
    """``require_permits`` for a loaded node (anything with ``path`` and ``pk``)."""
    require_permits(actor, action, path=node.path, pk=node.pk)


def roles_at(user: Any, *, path: str, pk: int) -> frozenset[str]:
    """Every role ``user`` holds at one node: its admin role (platform-wide) and the roles of
    the grants that reach the node. Workflow steps are allowed per role, not per action."""
    if not _acting(user):
        return frozenset()
    roles = {role for role, reach in role_reaches(user) if reach.covers(path=path, pk=pk)}
    if admin := admin_role(user):
        roles.add(admin)
    return frozenset(roles)


class ScopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """Base queryset for everything owned by an organisation node.

    The model says how to reach the owning node's path and id, once, as ``scope_path_field`` /
    ``scope_pk_field`` (``org__path`` / ``org_id`` for an owned model, ``path`` / ``pk`` for the
    node itself; see ``dangjian.core.ownership``).
    """

    def visible_to(self, user: Any, action: str) -> Self:
        model: Any = self.model
        predicate = scope_q(
            user, action, path_field=model.scope_path_field, pk_field=model.scope_pk_field
        )
        return self if predicate is None else self.filter(predicate)
