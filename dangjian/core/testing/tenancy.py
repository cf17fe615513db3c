"""Tenancy contracts every scoped model's pages and API inherit.

A subclass names an account that may act, an object inside that account's scope, one outside it,
and how to read and change such an object. The contract then checks, for pages and API alike:
anonymous → login, no role → 403, other subtree → 404 with nothing changed, allowed → success
with an audit row in the same transaction.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.test import Client

from dangjian.accounts.services import create_account
from dangjian.core.models import AuditEntry
from dangjian.core.testing.clients import login


class TenancyContract:
    allowed_username: ClassVar[str]
    api: ClassVar[bool] = False
    audit_action: ClassVar[str]
    # A write naming an out-of-scope object in its payload (not its URL) is a validation error.
    refused_write_status: ClassVar[int] = 404

    # --- to implement -------------------------------------------------------------------------
    def inside(self) -> Any:
        raise NotImplementedError

    def outside(self) -> Any:
        raise NotImplementedError

    def read_url(self, obj: Any) -> str:
        raise NotImplementedError

    def write(self, client: Client, obj: Any) -> Any:
        """Perform one change on ``obj`` and return the response."""
        raise NotImplementedError

    def snapshot(self, obj: Any) -> Any:
        """What must stay identical when a write is refused."""
        raise NotImplementedError

    # --- helpers --------------------------------------------------------------------------------
    def client_for(self, username: str) -> Client:
        from dangjian.accounts.models import User

        return login(Client(), User.objects.get(username=username))

    def no_role_client(self) -> Client:
        user, _ = create_account(
            actor=None,
            username="norole_tester",
            full_name="无授权",
            password="No-Role-Passw0rd!",
            must_change_password=False,
        )
        return login(Client(), user)

    def assert_login_required(self, response: Any) -> None:
        if self.api:
            assert response.status_code == 401
        else:
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")

    # --- the contract -----------------------------------------------------------------------------
    @pytest.mark.django_db
    def test_anonymous_must_log_in(self) -> None:
        client = Client()
        self.assert_login_required(client.get(self.read_url(self.inside())))
        before = self.snapshot(self.inside())
        self.assert_login_required(self.write(client, self.inside()))
        assert self.snapshot(self.inside()) == before

    @pytest.mark.django_db
    def test_account_without_role_is_forbidden(self) -> None:
        client = self.no_role_client()
        assert client.get(self.read_url(self.inside())).status_code == 403
        before = self.snapshot(self.inside())
        assert self.write(client, self.inside()).status_code == 403
        assert self.snapshot(self.inside()) == before

    @pytest.mark.django_db
    def test_other_subtree_is_not_found_and_unchanged(self) -> None:
        client = self.client_for(self.allowed_username)
        target = self.outside()
        assert client.get(self.read_url(target)).status_code == 404
        before = self.snapshot(target)
        denials = AuditEntry.objects.filter(action="access.denied").count()
        assert self.write(client, target).status_code == self.refused_write_status
        assert self.snapshot(target) == before
        assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1

    @pytest.mark.django_db
    def test_allowed_user_succeeds_with_audit_row(self) -> None:
        client = self.client_for(self.allowed_username)
        target = self.inside()
        assert client.get(self.read_url(target)).status_code == 200
        entries = AuditEntry.objects.filter(action=self.audit_action).count()
        before = self.snapshot(target)
        response = self.write(client, target)
        assert response.status_code in (200, 201, 302), getattr(response, "content", b"")[:500]
        assert self.snapshot(target) != before
        assert AuditEntry.objects.filter(action=self.audit_action).count() == entries + 1
