"""安全管理员: policy edits, unlocking, expiry and the inactive-account sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import DEMO_PASSWORD
from dangjian.accounts import services
from dangjian.accounts.models import SecurityPolicy, User
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry

pytestmark = pytest.mark.django_db

POLICY = {"min_length": 14, "min_classes": 4, "max_age_days": 60, "history": 6, "inactive_days": 90}


def test_secadmin_edits_the_policy_and_it_applies(client_for) -> None:
    client = client_for("secadmin")
    assert client.post("/accounts/security/", POLICY).status_code == 302
    assert SecurityPolicy.objects.get(pk=1).min_length == 14
    entry = AuditEntry.objects.filter(action="accounts.policy.update").latest("seq")
    assert entry.changes["min_length"] == [None, 14]
    user = User.objects.get(username="clerk1")
    with pytest.raises(Exception, match="至少14位"):
        services.change_password(user, new_password="Abcdef-12345", actor=user)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_length", 6, "不少于8位"),
        ("min_classes", 2, "只能是3或4"),
        ("history", 0, "1至24"),
    ],
)
def test_policy_form_refuses_weakening_below_the_floor(client_for, field, value, message) -> None:
    client = client_for("secadmin")
    entries = AuditEntry.objects.count()
    response = client.post("/accounts/security/", {**POLICY, field: value})
    assert response.status_code == 200 and message in response.content.decode()
    assert not SecurityPolicy.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_only_secadmin_manages_security(client_for) -> None:
    for name in ("sysadmin", "auditor", "supervisor"):
        assert client_for(name).get("/accounts/security/").status_code == 403


def test_secadmin_unlocks_a_locked_account(client_for) -> None:
    attacker = Client()
    for _ in range(5):
        attacker.post("/accounts/login/", {"username": "member1", "password": "nope"})
    assert (
        attacker.post(
            "/accounts/login/", {"username": "member1", "password": DEMO_PASSWORD}
        ).status_code
        == 429
    )
    client_for("secadmin").post("/accounts/security/lockouts/", {"username": "member1"})
    assert (
        Client()
        .post("/accounts/login/", {"username": "member1", "password": DEMO_PASSWORD})
        .status_code
        == 302
    )
    assert AuditEntry.objects.filter(action="accounts.user.unlock").exists()


def test_expired_password_forces_a_change_at_login(user) -> None:
    clerk = user("clerk1")
    clerk.password_changed_at = timezone.now() - timedelta(days=91)
    clerk.save()
    client = Client()
    client.post("/accounts/login/", {"username": "clerk1", "password": DEMO_PASSWORD})
    assert client.get("/orgs/")["Location"] == "/accounts/password/"
    assert "密码已过期" in client.get("/accounts/password/").content.decode()


def test_inactive_and_expired_accounts_are_disabled(user) -> None:
    now = timezone.now()
    User.objects.filter(username="member1").update(last_login=now - timedelta(days=91))
    User.objects.filter(username="observer1").update(valid_until=(now - timedelta(days=1)).date())
    User.objects.filter(username="clerk1").update(last_login=now - timedelta(days=10))
    disabled = services.disable_inactive_accounts(
        now=now, actor=SystemActor("disable_inactive_accounts")
    )
    assert {"member1", "observer1"} <= set(disabled)
    assert "clerk1" not in disabled
    assert not user("member1").is_active and user("clerk1").is_active
    assert AuditEntry.objects.filter(action="accounts.user.disable").count() == len(disabled)
    names = set(
        AuditEntry.objects.filter(action="accounts.user.disable").values_list(
            "actor_username", flat=True
        )
    )
    assert names == {"system:disable_inactive_accounts"}
