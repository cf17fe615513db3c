"""Where a business grant may be placed, and where ?next= may lead after the second factor."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts import services
from dangjian.accounts.models import Grant
from dangjian.accounts.rules import grant_error
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import OrgNode
from dangjian.testkit.clients import current_token, login

pytestmark = pytest.mark.django_db
REVEAL = frozenset({"secretary", "clerk"})


@pytest.mark.parametrize(
    ("role", "kind", "dissolved", "refused"),
    [
        ("secretary", "supervisor", False, True),
        ("clerk", "group", False, True),
        ("secretary", "enterprise", False, False),
        ("secretary", "branch", False, False),
        ("supervisor", "supervisor", False, False),
        ("observer", "group", False, False),
        ("observer", "branch", True, True),
    ],
)
def test_grant_rule(role: str, kind: str, dissolved: bool, refused: bool) -> None:
    problem = grant_error(role=role, node_kind=kind, node_dissolved=dissolved, reveal_roles=REVEAL)
    assert (problem is not None) is refused


def _account(name: str):
    user, _ = services.create_account(
        actor=SystemActor("tests"),
        username=name,
        full_name="新账号",
        password="Grant-Passw0rd!9",
        must_change_password=False,
    )
    return user


def test_sysadmin_cannot_grant_county_wide_reveal(client_for, org) -> None:
    target = _account("new_secretary")
    client = client_for("sysadmin")
    before = (Grant.objects.count(), AuditEntry.objects.count())
    response = client.post(
        f"/accounts/users/{target.pk}/grants/new/",
        {"role": "secretary", "node": "XC", "include_descendants": "on"},
    )
    assert response.status_code == 200
    assert "组织编码：" in response.content.decode() and "不能授权到国资中心或集团" in (
        response.content.decode()
    )
    assert (Grant.objects.count(), AuditEntry.objects.count()) == before


def test_no_grant_on_a_dissolved_node(org) -> None:
    target = _account("late_observer")
    node = org("CT02-ZB1")
    OrgNode.objects.filter(pk=node.pk).update(dissolved_on=date(2025, 1, 1))
    node.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.grant_role(actor=SystemActor("tests"), user=target, role="observer", node=node)
    assert "已撤销" in caught.value.message_dict["node"][0]


def _half_logged_in_admin(user) -> tuple[Client, TOTPDevice]:
    auditor = user("auditor")
    device = TOTPDevice.objects.filter(user=auditor, confirmed=True).first() or (
        TOTPDevice.objects.create(user=auditor, name="测试", confirmed=True)
    )
    client = Client()
    client.force_login(auditor)
    return client, device


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "https:evil.example",
        "\\\\evil",
        "foo",
        "audit",
        "a%20b",
    ],
)
def test_otp_next_never_leaves_the_site(user, target: str) -> None:
    client, device = _half_logged_in_admin(user)
    response = client.post(f"/accounts/otp/verify/?next={target}", {"token": current_token(device)})
    assert response.status_code == 302 and response["Location"] == "/"


def test_otp_next_on_the_site_is_kept(user) -> None:
    client, device = _half_logged_in_admin(user)
    response = client.post("/accounts/otp/verify/?next=/audit/", {"token": current_token(device)})
    assert response["Location"] == "/audit/"


def test_login_helper_still_works_for_admins(user) -> None:
    assert login(Client(), user("secadmin")).get("/accounts/profile/").status_code == 200
