"""The account services check authority themselves: a caller that skips the view's check (a
script, a future endpoint) is refused, and nothing is written, the audit log included."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied

from dangjian.accounts import services
from dangjian.accounts.models import Grant, SecurityPolicy, User
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import OrgNode

pytestmark = pytest.mark.django_db

POLICY = {"min_length": 12, "min_classes": 3, "max_age_days": 90, "history": 5, "inactive_days": 60}


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _calls() -> dict[str, Any]:
    """Each named service with arguments that would succeed for the right actor."""
    clerk_grant = Grant.objects.filter(user__username="clerk1").earliest("pk")
    return {
        "create_account": lambda actor: services.create_account(
            actor=actor, username="authority_probe", full_name="测试"
        ),
        "grant_role": lambda actor: services.grant_role(
            actor=actor,
            user=_user("member1"),
            role="observer",
            node=OrgNode.objects.get(code="CT01"),
        ),
        "revoke_grant": lambda actor: services.revoke_grant(clerk_grant, actor=actor),
        "update_policy": lambda actor: services.update_policy(actor=actor, values=POLICY),
        "unlock_account": lambda actor: services.unlock_account(actor=actor, username="clerk1"),
    }


def _state() -> tuple[Any, ...]:
    return (
        sorted(Grant.objects.values_list("user_id", "role", "node_id")),
        User.objects.count(),
        list(SecurityPolicy.objects.values_list(*POLICY)),
        AccessAttempt.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(
    ("service", "refused"),
    [
        ("create_account", ("supervisor", "secadmin", "auditor", "clerk1")),
        ("grant_role", ("supervisor", "secadmin", "auditor", "clerk1")),
        ("revoke_grant", ("supervisor", "secadmin", "auditor", "clerk1")),
        ("update_policy", ("supervisor", "sysadmin", "auditor", "clerk1")),
        ("unlock_account", ("supervisor", "sysadmin", "auditor", "clerk1")),
    ],
)
def test_service_refuses_actors_without_the_admin_role(
    service: str, refused: tuple[str, ...]
) -> None:
    AccessAttempt.objects.create(
        username="clerk1", ip_address="10.0.0.9", user_agent="t", failures_since_start=3
    )
    call = _calls()[service]
    for username in refused:
        before = _state()
        with pytest.raises(PermissionDenied):
            call(_user(username))
        assert _state() == before, username


@pytest.mark.parametrize(
    ("service", "allowed"),
    [
        ("create_account", "sysadmin"),
        ("grant_role", "sysadmin"),
        ("revoke_grant", "sysadmin"),
        ("update_policy", "secadmin"),
        ("unlock_account", "secadmin"),
    ],
)
def test_service_accepts_its_admin_role_and_audits(service: str, allowed: str) -> None:
    before = AuditEntry.objects.count()
    _calls()[service](_user(allowed))
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.latest("seq").actor_username == allowed


def test_missing_actor_is_an_error_not_a_pass() -> None:
    before = _state()
    for call in _calls().values():
        with pytest.raises(TypeError):
            call(None)
    assert _state() == before


def test_an_operator_command_acts_as_a_named_system_actor() -> None:
    services.unlock_account(actor=SystemActor("unlock_cli"), username="clerk1")
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "accounts.user.unlock"
    assert entry.actor_username == "system:unlock_cli"


def test_sysadmin_revokes_a_grant_from_the_account_page(client_for: Any) -> None:
    client = client_for("sysadmin")
    grant = Grant.objects.filter(user__username="clerk1").earliest("pk")
    listing = client.get("/accounts/users/").content.decode()
    url = f"/accounts/users/{grant.user_id}/grants/{grant.pk}/revoke/"
    assert url in listing
    confirm = client.get(url)
    assert "确认撤销" in confirm.content.decode()
    assert Grant.objects.filter(pk=grant.pk).exists()  # asking does not revoke
    done = client.post(url, follow=True)
    assert "已撤销" in done.content.decode()
    assert not Grant.objects.filter(pk=grant.pk).exists()
    # The grant must belong to the account named in the address.
    other = Grant.objects.filter(user__username="secretary1").earliest("pk")
    assert (
        client.post(f"/accounts/users/{grant.user_id}/grants/{other.pk}/revoke/").status_code == 404
    )
    assert Grant.objects.filter(pk=other.pk).exists()
