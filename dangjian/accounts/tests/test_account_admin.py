"""Account administration by 系统管理员: disable and enable, password reset with a forced
change, revoking a grant from the account's page, and the grants over an organisation."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from conftest import DEMO_PASSWORD
from dangjian.accounts import services
from dangjian.accounts.models import Grant, User
from dangjian.accounts.tests.factories import make_account
from dangjian.core.models import AuditEntry
from dangjian.core.permissions import Role
from dangjian.orgs.models import OrgNode
from dangjian.testkit.queries import assert_queries

pytestmark = pytest.mark.django_db


def _login(username: str, password: str) -> int:
    return (
        Client().post("/accounts/login/", {"username": username, "password": password}).status_code
    )


def test_a_disabled_account_cannot_sign_in_and_its_session_ends(client_for, user) -> None:
    session = client_for("executive1")
    assert session.get("/orgs/").status_code == 200
    admin = client_for("sysadmin")
    target = user("executive1")
    page = admin.get(f"/accounts/users/{target.pk}/").content.decode()
    assert f"/accounts/users/{target.pk}/disable/" in page
    assert admin.post(f"/accounts/users/{target.pk}/disable/").status_code == 302
    assert not user("executive1").is_active
    assert _login("executive1", DEMO_PASSWORD) == 200  # the form again, not a redirect in
    assert session.get("/orgs/").status_code == 302  # the old session is signed out
    entry = AuditEntry.objects.filter(action="accounts.user.disable").latest("seq")
    assert entry.actor_username == "sysadmin" and entry.changes["reason"] == "manual"
    assert admin.post(f"/accounts/users/{target.pk}/enable/").status_code == 302
    assert user("executive1").is_active
    assert _login("executive1", DEMO_PASSWORD) == 302
    assert AuditEntry.objects.filter(action="accounts.user.enable").exists()


def test_no_one_disables_their_own_account(client_for, user) -> None:
    admin = user("sysadmin")
    response = client_for("sysadmin").post(f"/accounts/users/{admin.pk}/disable/", follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    assert user("sysadmin").is_active
    assert not AuditEntry.objects.filter(action="accounts.user.disable").exists()


def test_password_reset_shows_a_one_time_password_and_forces_a_change(client_for, user) -> None:
    target = user("clerk1")
    response = client_for("sysadmin").post(f"/accounts/users/{target.pk}/password-reset/")
    assert response.status_code == 200 and "no-store" in response.get("Cache-Control", "")
    password = response.context["password"]
    assert escape(password) in response.content.decode()
    assert _login("clerk1", DEMO_PASSWORD) == 200  # the old one no longer works
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "clerk1", "password": password}).status_code
        == 302
    )
    assert client.get("/orgs/")["Location"] == "/accounts/password/"
    entry = AuditEntry.objects.filter(action="accounts.password.reset").latest("seq")
    assert password not in str(entry.changes)
    assert user("clerk1").must_change_password


def test_a_reset_of_ones_own_password_is_refused(user) -> None:
    admin = user("sysadmin")
    with pytest.raises(Exception, match="不能重置自己的密码"):
        services.reset_password(actor=admin, user=admin)


def test_only_the_system_administrator_disables_or_resets(user) -> None:
    for actor in (user("secadmin"), user("supervisor")):
        with pytest.raises(Exception, match="系统管理员"):
            services.set_account_active(actor=actor, user=user("clerk1"), active=False)
        with pytest.raises(Exception, match="系统管理员"):
            services.reset_password(actor=actor, user=user("clerk1"))
    assert user("clerk1").is_active


def test_a_grant_is_revoked_from_the_accounts_page(client_for, user) -> None:
    target = user("clerk1")
    grant = Grant.objects.get(user=target)
    admin = client_for("sysadmin")
    page = admin.get(f"/accounts/users/{target.pk}/").content.decode()
    url = f"/accounts/users/{target.pk}/grants/{grant.pk}/revoke/"
    assert url in page and "撤销授权" in page
    assert "确认撤销" in admin.get(url).content.decode()
    response = admin.post(url)
    assert response["Location"] == f"/accounts/users/{target.pk}/"
    assert not Grant.objects.filter(pk=grant.pk).exists()


def test_grants_over_an_organisation_include_those_inherited(client_for, user) -> None:
    admin = client_for("sysadmin")
    response = admin.get("/accounts/grants/by-org/?code=CT01-ZB1")
    direct = {(g.user.username, g.role) for g in response.context["direct"]}
    inherited = {(g.user.username, g.role) for g in response.context["inherited"]}
    assert {("secretary1", "secretary"), ("clerk1", "clerk"), ("member1", "member")} <= direct
    assert {("supervisor", "supervisor"), ("executive1", "executive")} <= inherited
    # A grant that stops at its own node does not reach down.
    narrow = make_account(
        "narrow_holder", role=Role.OBSERVER, node=OrgNode.objects.get(code="CT01")
    )
    Grant.objects.filter(user=narrow).update(include_descendants=False)
    again = admin.get("/accounts/grants/by-org/?code=CT01-ZB1")
    assert "narrow_holder" not in {g.user.username for g in again.context["inherited"]}
    missing = admin.get("/accounts/grants/by-org/?code=NOPE").content.decode()
    assert "组织编码：没有编码为“NOPE”的组织" in missing


def test_grants_over_an_organisation_in_constant_queries(client_for) -> None:
    admin = client_for("sysadmin")
    url = "/accounts/grants/by-org/?code=CT01-ZB1"
    with assert_queries(8, label=url) as first:
        admin.get(url)
    node = OrgNode.objects.get(code="CT01-ZB1")
    for i in range(5):
        make_account(f"extra_holder{i}", role=Role.OBSERVER, node=node)
    with assert_queries(first.count, label=url):
        admin.get(url)


def test_user_detail_in_constant_queries(client_for, user) -> None:
    admin = client_for("sysadmin")
    target = user("clerk1")
    url = f"/accounts/users/{target.pk}/"
    with assert_queries(8, label=url) as first:
        admin.get(url)
    for code in ("CT02-ZB1", "CT03-ZB1", "JT01-ZB1"):
        services.grant_role(
            actor=user("sysadmin"),
            user=target,
            role=Role.CLERK,
            node=OrgNode.objects.get(code=code),
        )
    with assert_queries(first.count, label=url):
        admin.get(url)
    assert User.objects.filter(pk=target.pk, grants__isnull=False).count() == 4
