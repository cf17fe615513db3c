"""Role × action × position on the tree: who may do what, where.

Each business role is granted on enterprise CT01 (with its subtree). Targets: a 党支部 inside it
(own subtree), a sibling enterprise in the same 集团, the parent 集团, and an enterprise in another
集团. The expected answer comes from the rules table and the tree position, never from the code
under test; scope is checked in SQL (``visible_to``) and through the API.
"""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from dangjian.accounts.services import create_account, grant_role
from dangjian.core.actors import SystemActor
from dangjian.core.permissions import ADMIN_ROLES, RULES, Role
from dangjian.orgs.models import OrgNode
from dangjian.orgs.permissions import OrgAction
from dangjian.testkit.clients import login

TARGETS = {
    "own_subtree": "CT01-ZB1",
    "sibling_enterprise": "CT02",
    "parent": "CT",
    "other_group": "JT01",
}
ORG_ACTIONS = [
    OrgAction.VIEW,
    OrgAction.ADD,
    OrgAction.CHANGE,
    OrgAction.MOVE,
    OrgAction.DISSOLVE,
]
CASES = list(itertools.product(list(Role), ORG_ACTIONS, list(TARGETS)))


def _account(role: Role):
    if role in ADMIN_ROLES:
        user, _ = create_account(
            actor=SystemActor("tests"),
            username=f"m_{role}",
            full_name=role.label,
            admin_role=role,
            password="Matrix-Passw0rd!",
            must_change_password=False,
        )
        return user
    user, _ = create_account(
        actor=SystemActor("tests"),
        username=f"m_{role}",
        full_name=role.label,
        password="Matrix-Passw0rd!",
        must_change_password=False,
    )
    grant_role(
        actor=SystemActor("tests"), user=user, role=role, node=OrgNode.objects.get(code="CT01")
    )
    return user


def expected(role: Role, action: str, target: str) -> bool:
    if role not in RULES[action]:
        return False
    if role in ADMIN_ROLES:
        return True  # admin roles hold their actions platform-wide
    return target == "own_subtree"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "action", "target"), CASES, ids=[f"{r.value}-{a}-{t}" for r, a, t in CASES]
)
def test_scope_matrix_in_sql(role: Role, action: str, target: str) -> None:
    user = _account(role)
    node = OrgNode.objects.get(code=TARGETS[target])
    visible = OrgNode.objects.visible_to(user, action).filter(pk=node.pk).exists()
    assert visible is expected(role, action, target)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_scope_matrix_through_the_api(role: Role) -> None:
    """Reading each target over HTTP: 200 in scope, 404 outside, 403 when the role has no read."""
    client = login(Client(), _account(role))
    for target, code in TARGETS.items():
        node = OrgNode.objects.get(code=code)
        status = client.get(f"/api/orgs/{node.pk}/").status_code
        if role not in RULES[OrgAction.VIEW]:
            assert status == 403, (role, target)
        else:
            assert status == (200 if expected(role, OrgAction.VIEW, target) else 404), (
                role,
                target,
            )


@pytest.mark.django_db
def test_grant_without_descendants_covers_only_the_node() -> None:
    user, _ = create_account(
        actor=SystemActor("tests"),
        username="only_node",
        full_name="单节点",
        password="Matrix-Passw0rd!",
        must_change_password=False,
    )
    grant_role(
        actor=SystemActor("tests"),
        user=user,
        role=Role.OBSERVER,
        node=OrgNode.objects.get(code="CT01"),
        include_descendants=False,
    )
    visible = set(OrgNode.objects.visible_to(user, OrgAction.VIEW).values_list("code", flat=True))
    assert visible == {"CT01"}
