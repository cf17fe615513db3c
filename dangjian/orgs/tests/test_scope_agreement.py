"""One scope decision: the Python predicates agree with ``visible_to`` on random trees and grants.

For random trees (depth, branching, several roots, dissolved nodes), random grants (business
roles, with or without descendants, on dissolved nodes too), an admin role or none, active or
inactive accounts and random actions (an unknown one included), every node of the database must
get the same answer from ``permits`` and ``roles_at`` as from ``OrgNode.objects.visible_to``, and
``scope_roots`` / ``scope_root`` must be exactly the top-most visible nodes. The expected tops are
computed from the visible set alone (a node whose no ancestor is visible), never from the code
under test. Runs on whichever database the suite runs on (SQLite and PostgreSQL in CI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import count
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.accounts.models import Grant, User
from dangjian.core.permissions import ADMIN_ROLES, BUSINESS_ROLES, RULES, roles_for
from dangjian.core.scoping import permits, roles_at
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode
from dangjian.orgs.scope import scope_root, scope_roots

BUSINESS = sorted(str(r) for r in BUSINESS_ROLES)
ADMINS = ["", *sorted(str(r) for r in ADMIN_ROLES)]
ACTIONS = [*sorted(RULES), "nobody.may"]
_serial = count(1)


@dataclass(frozen=True)
class World:
    parents: tuple[int | None, ...]  # node i's parent index (always < i), None for a root
    dissolved: tuple[bool, ...]
    grants: tuple[tuple[int, str, bool], ...]  # (node index, role, include_descendants)
    admin_role: str
    active: bool
    actions: tuple[str, ...]


@st.composite
def worlds(draw: Any) -> World:
    size = draw(st.integers(min_value=1, max_value=12))
    parents: list[int | None] = [None]
    for i in range(1, size):
        # Mostly attached to an earlier node (any depth, any branching), now and then a new root.
        parents.append(draw(st.none() | st.integers(0, i - 1) | st.integers(0, i - 1)))
    dissolved = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    grants = draw(
        st.lists(
            st.tuples(st.integers(0, size - 1), st.sampled_from(BUSINESS), st.booleans()),
            max_size=5,
            unique_by=lambda grant: (grant[0], grant[1]),
        )
    )
    return World(
        parents=tuple(parents),
        dissolved=tuple(dissolved),
        grants=tuple(grants),
        admin_role=draw(st.sampled_from(ADMINS)),
        active=draw(st.sampled_from([True, True, True, False])),
        actions=tuple(draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4))),
    )


def _build(world: World) -> tuple[User, list[OrgNode]]:
    run = next(_serial)
    nodes: list[OrgNode] = []
    for i, parent in enumerate(world.parents):
        fields = {
            "code": f"PROP{run}-{i}",
            "kind": OrgKind.BRANCH,
            "name": f"性质测试{run}-{i}",
            "dissolved_on": date(2020, 1, 1) if world.dissolved[i] else None,
        }
        if parent is None:
            nodes.append(OrgNode.objects.add_root(instance=OrgNode(**fields)))
        else:
            node = OrgNode(parent=nodes[parent], **fields)
            nodes.append(OrgNode.objects.add_child(nodes[parent], instance=node))
    user = User.objects.create(
        username=f"prop_user{run}", admin_role=world.admin_role, is_active=world.active
    )
    for index, role, descendants in world.grants:
        Grant.objects.create(
            user=user, role=role, node=nodes[index], include_descendants=descendants
        )
    return user, nodes


def _top_most(visible: dict[int, str]) -> set[int]:
    """Visible nodes none of whose ancestors (every proper prefix of whole steps) is visible."""
    paths = set(visible.values())
    step = OrgNode.steplen
    return {
        pk
        for pk, path in visible.items()
        if not any(path[:end] in paths for end in range(step, len(path), step))
    }


def _check(user: Any, action: str, every: list[tuple[int, str, int]]) -> None:
    visible_pks = set(OrgNode.objects.visible_to(user, action).values_list("pk", flat=True))
    allowed = roles_for(action)
    for pk, path, _ in every:
        seen = pk in visible_pks
        assert permits(user, action, path=path, pk=pk) == seen, (action, path)
        assert bool(roles_at(user, path=path, pk=pk) & allowed) == seen, (action, path)
    visible = {pk: path for pk, path, _ in every if pk in visible_pks}
    tops = _top_most(visible)
    roots = scope_roots(user, action)
    assert [node.pk for node in roots] == sorted(tops, key=visible.__getitem__), action
    root = scope_root(user, action)
    if not tops:
        assert root is None, action
    else:
        depth = {pk: d for pk, _, d in every}
        assert root is not None and root.pk in tops, action
        assert root.depth == min(depth[pk] for pk in tops), action


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(worlds())
def test_permits_roles_and_roots_agree_with_visible_to(db: Any, world: World) -> None:
    with transaction.atomic():
        user, _ = _build(world)
        every = list(OrgNode.objects.values_list("pk", "path", "depth"))
        for action in world.actions:
            _check(user, action, every)
        transaction.set_rollback(True)


def test_anonymous_and_missing_users_see_nothing(db: Any) -> None:
    every = list(OrgNode.objects.values_list("pk", "path", "depth"))
    for user in (AnonymousUser(), None):
        for action in ACTIONS:
            _check(user, action, every)
            assert scope_roots(user, action) == []


def test_the_tops_ignore_a_grant_below_a_visible_node(db: Any) -> None:
    """A grant on a node whose parent is visible (even by a grant without descendants) does not
    make it a root of the user's tree: the example the definition turns on, written out."""
    with transaction.atomic():
        user, nodes = _build(
            World(
                parents=(None, 0, 1),
                dissolved=(False, False, False),
                grants=((0, "clerk", False), (2, "clerk", False), (1, "secretary", True)),
                admin_role="",
                active=True,
                actions=(),
            )
        )
        assert scope_roots(user, "org.view") == [nodes[0]]
        assert scope_root(user, "org.view") == nodes[0]
        # Without the top grant, the subtree grant's node is where the tree starts.
        Grant.objects.filter(user=user, node=nodes[0]).delete()
        user = User.objects.get(pk=user.pk)  # grants are cached per user object
        assert scope_roots(user, "org.view") == [nodes[1]]
        transaction.set_rollback(True)
