"""Tenancy for the account pages: 三员 pages by role, API tokens by owner."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from dangjian.accounts import services
from dangjian.accounts.models import ApiToken, Grant, SecurityPolicy, User
from dangjian.testkit.tenancy import RoleContract, TenancyContract

UNSCOPED_URLS = {
    "accounts:login": "the way in; lockout and failures tested in test_login_security.py",
    "accounts:logout": "ends the caller's own session only",
    "accounts:password_change": "the caller's own password; see test_lockout_and_passwords.py",
    "accounts:otp_enrol": "the caller's own second factor; tested in test_login_security.py",
    "accounts:otp_verify": "the caller's own second factor; tested in test_login_security.py",
    "accounts:profile": "the caller's own account and tokens; tested in test_api_tokens.py",
    "accounts:token_create": "always creates for the caller; tested in test_api_tokens.py",
}


def _user(username: str) -> User:
    return User.objects.get(username=username)


class TestTokenRevokeTenancy(TenancyContract):
    """A token is its owner's: anyone else (but 系统管理员) meets 404 and it stays live."""

    covers = ("accounts:token_revoke",)
    allowed_username = "clerk1"
    audit_action = "accounts.token.revoke"
    no_role_status = 404

    def _token(self, holder: str) -> ApiToken:
        found = ApiToken.objects.filter(user__username=holder, name="对接").first()
        if found is None:
            found, _ = services.create_api_token(
                actor=_user(holder), user=_user(holder), name="对接", days=30
            )
        return found

    def inside(self) -> ApiToken:
        return self._token("clerk1")

    def outside(self) -> ApiToken:
        return self._token("executive1")

    def read_url(self, obj: ApiToken) -> str:
        return ""  # no page shows one token; revoking is a POST from the profile

    def write(self, client: Client, obj: ApiToken) -> Any:
        return client.post(f"/accounts/tokens/{obj.pk}/revoke/")

    def snapshot(self, obj: ApiToken) -> Any:
        return ApiToken.objects.get(pk=obj.pk).revoked_at


class SysadminContract(RoleContract):
    allowed_username = "sysadmin"
    denied_usernames = ("supervisor", "secadmin", "auditor")


class TestUserListTenancy(SysadminContract):
    covers = ("accounts:user_list",)

    def read_url(self) -> str:
        return "/accounts/users/"


class TestUserCreateTenancy(SysadminContract):
    covers = ("accounts:user_create",)
    audit_action = "accounts.user.create"
    write_renders_result = True  # the new account's initial password, shown once

    def read_url(self) -> str:
        return "/accounts/users/new/"

    def write(self, client: Client) -> Any:
        return client.post(
            self.read_url(), {"username": "new_clerk", "full_name": "新党务", "admin_role": ""}
        )

    def snapshot(self) -> Any:
        return User.objects.filter(username="new_clerk").exists()


class TestGrantAddTenancy(SysadminContract):
    covers = ("accounts:grant_add",)
    audit_action = "accounts.grant.create"

    def read_url(self) -> str:
        return f"/accounts/users/{_user('member1').pk}/grants/new/"

    def write(self, client: Client) -> Any:
        return client.post(
            self.read_url(), {"role": "observer", "node": "CT01", "include_descendants": "on"}
        )

    def snapshot(self) -> Any:
        return sorted(Grant.objects.filter(user__username="member1").values_list("role", flat=True))


class TestGrantRevokeTenancy(SysadminContract):
    covers = ("accounts:grant_revoke",)
    audit_action = "accounts.grant.revoke"

    def _grant(self) -> Grant:
        return Grant.objects.filter(user__username="clerk1").earliest("pk")

    def read_url(self) -> str:
        grant = self._grant()
        return f"/accounts/users/{grant.user_id}/grants/{grant.pk}/revoke/"

    def write(self, client: Client) -> Any:
        return client.post(self.read_url())

    def snapshot(self) -> Any:
        return Grant.objects.filter(user__username="clerk1").count()


class TestUserTokensTenancy(SysadminContract):
    covers = ("accounts:user_tokens",)
    audit_action = "accounts.token.create"
    write_renders_result = True  # the new token, shown once

    def read_url(self) -> str:
        return f"/accounts/users/{_user('clerk1').pk}/tokens/"

    def write(self, client: Client) -> Any:
        return client.post(self.read_url(), {"name": "管理员代建", "days": "30"})

    def snapshot(self) -> Any:
        return ApiToken.objects.filter(user__username="clerk1").count()


class SecadminContract(RoleContract):
    allowed_username = "secadmin"
    denied_usernames = ("supervisor", "sysadmin", "auditor")


class TestSecurityPolicyTenancy(SecadminContract):
    covers = ("accounts:security_policy",)
    audit_action = "accounts.policy.update"

    def read_url(self) -> str:
        return "/accounts/security/"

    def write(self, client: Client) -> Any:
        policy = services.get_policy()
        return client.post(
            self.read_url(),
            {
                "min_length": policy.min_length + 1,
                "min_classes": policy.min_classes,
                "max_age_days": policy.max_age_days,
                "history": policy.history,
                "inactive_days": policy.inactive_days,
            },
        )

    def snapshot(self) -> Any:
        return SecurityPolicy.objects.values_list("min_length", flat=True).first()


class TestLockoutsTenancy(SecadminContract):
    covers = ("accounts:lockouts",)
    audit_action = "accounts.user.unlock"

    @pytest.fixture(autouse=True)
    def _failed_login(self, db: Any) -> None:
        Client().post("/accounts/login/", {"username": "clerk1", "password": "wrong-password"})
        assert AccessAttempt.objects.filter(username="clerk1").exists()

    def read_url(self) -> str:
        return "/accounts/security/lockouts/"

    def write(self, client: Client) -> Any:
        return client.post(self.read_url(), {"username": "clerk1"})

    def snapshot(self) -> Any:
        return AccessAttempt.objects.filter(username="clerk1").count()
