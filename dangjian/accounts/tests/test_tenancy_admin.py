"""Tenancy of the account administration pages: 系统管理员 only, every write audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangjian.accounts.models import User
from dangjian.testkit.tenancy import RoleContract


def _user(username: str) -> User:
    return User.objects.get(username=username)


class SysadminOnly(RoleContract):
    allowed_username = "sysadmin"
    denied_usernames = ("supervisor", "secadmin", "auditor", "clerk1")


class TestUserDetailTenancy(SysadminOnly):
    covers = ("accounts:user_detail",)

    def read_url(self) -> str:
        return f"/accounts/users/{_user('clerk1').pk}/"


class TestOrgGrantsTenancy(SysadminOnly):
    covers = ("accounts:org_grants",)

    def read_url(self) -> str:
        return "/accounts/grants/by-org/?code=CT01-ZB1"


class TestUserDisableTenancy(SysadminOnly):
    covers = ("accounts:user_disable",)
    audit_action = "accounts.user.disable"

    def read_url(self) -> str:
        return f"/accounts/users/{_user('executive1').pk}/disable/"

    def write(self, client: Client) -> Any:
        return client.post(self.read_url())

    def snapshot(self) -> Any:
        return _user("executive1").is_active


class TestUserEnableTenancy(SysadminOnly):
    covers = ("accounts:user_enable",)
    audit_action = "accounts.user.enable"

    @pytest.fixture(autouse=True)
    def _disabled(self, db: Any) -> None:
        User.objects.filter(username="executive1").update(is_active=False)

    def read_url(self) -> str:
        return f"/accounts/users/{_user('executive1').pk}/enable/"

    def write(self, client: Client) -> Any:
        return client.post(self.read_url())

    def snapshot(self) -> Any:
        return _user("executive1").is_active


class TestPasswordResetTenancy(SysadminOnly):
    covers = ("accounts:password_reset",)
    audit_action = "accounts.password.reset"
    write_renders_result = True  # the one-time password, shown once

    def read_url(self) -> str:
        return f"/accounts/users/{_user('executive1').pk}/password-reset/"

    def write(self, client: Client) -> Any:
        return client.post(self.read_url())

    def snapshot(self) -> Any:
        return _user("executive1").password
