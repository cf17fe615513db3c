"""Tenancy contracts every scoped page and API endpoint inherits.

Two shapes, both declaring in ``covers`` the URL names they exercise (``"members:detail"``,
``"member-detail"`` for a router route). ``dangjian/core/tests/test_tenancy_coverage.py`` walks
every URL pattern and fails for a name that no contract covers and no app declares unscoped.

``TenancyContract`` — objects owned by an organisation. A subclass names an account that may act,
an object inside that account's scope, one outside it, and how to read and change such an object.
The contract then checks: anonymous → login, no role → 403, other subtree → 404 with nothing
changed and the denial audited, allowed → success (a redirect, or an API success; a page that
re-renders its form with errors is not success) with an audit row.

``RoleContract`` — pages gated by a role rather than a subtree (三员 pages, the audit log):
anonymous → login, no role and each account of another role → 403, nothing changed, the
denial audited; the allowed account succeeds, and its write (when there is one) is audited.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.forms import BaseForm
from django.test import Client

from dangjian.accounts.services import create_account
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.testkit.clients import login

DENIED = "access.denied"


def form_errors(response: Any) -> dict[str, Any]:
    """Errors of every bound form the response rendered (empty when none or no template)."""
    found: dict[str, Any] = {}
    contexts = response.context
    if contexts is None:
        return found
    layers = contexts if isinstance(contexts, list) else [contexts]
    for layer in layers:
        for value in layer.flatten().values():
            if isinstance(value, BaseForm) and value.is_bound and value.errors:
                found.update(value.errors.get_json_data())
    return found


def view_name(response: Any) -> str:
    match = getattr(response, "resolver_match", None)
    return match.view_name if match is not None else "<unresolved>"


class EndpointContract:
    """What both shapes share: the covered names, clients and success checks."""

    covers: ClassVar[tuple[str, ...]] = ()
    allowed_username: ClassVar[str]
    api: ClassVar[bool] = False
    # A page whose successful write answers 200 with the result (a revealed number, a created
    # password) rather than a redirect; a form re-rendered with errors still fails.
    write_renders_result: ClassVar[bool] = False

    def client_for(self, username: str) -> Client:
        from dangjian.accounts.models import User

        return login(Client(), User.objects.get(username=username))

    def no_role_client(self) -> Client:
        user, _ = create_account(
            actor=SystemActor("tests"),
            username="norole_tester",
            full_name="无授权",
            password="No-Role-Passw0rd!",
            must_change_password=False,
        )
        return login(Client(), user)

    def assert_login_required(self, response: Any) -> None:
        if self.api:
            assert response.status_code == 401, response.status_code
        else:
            assert response.status_code == 302, response.status_code
            assert response["Location"].startswith("/accounts/login/")

    def assert_write_succeeded(self, response: Any) -> None:
        status = response.status_code
        errors = form_errors(response)
        assert not errors, f"the write re-rendered its form with errors, not a success: {errors}"
        if self.api:
            assert status in (200, 201, 204), (status, response.content[:500])
            return
        htmx_redirect = response.has_header("HX-Location") or response.has_header("HX-Redirect")
        if status == 200 and not (htmx_redirect or self.write_renders_result):
            raise AssertionError(
                "the write answered 200 without a redirect: a re-rendered form is not success "
                "(set write_renders_result = True only for pages that show the result itself)"
            )
        assert status in (200, 302, 303), (status, response.content[:500])

    def assert_covers(self, *responses: Any) -> None:
        assert self.covers, f"{type(self).__name__} declares no covers = (...) URL names"
        hit = {view_name(r) for r in responses if r is not None}
        missing = set(self.covers) - hit
        assert not missing, f"{type(self).__name__} covers {sorted(missing)} but requested {hit}"


class TenancyContract(EndpointContract):
    # None with a ``write`` returning None: the covered endpoints only read.
    audit_action: ClassVar[str | None]
    # A write that leaves no audit entry must say why here (reviewed, and listed as a gap).
    unaudited_write_reason: ClassVar[str] = ""
    # A write naming an out-of-scope object in its payload (not its URL) is a validation error.
    refused_write_status: ClassVar[int] = 404
    # Objects owned by an account rather than a node (API tokens): an account without a role
    # owns none, so it meets 404 like any other outsider.
    no_role_status: ClassVar[int] = 403

    # --- to implement -------------------------------------------------------------------------
    def inside(self) -> Any:
        raise NotImplementedError

    def outside(self) -> Any:
        raise NotImplementedError

    def read_url(self, obj: Any) -> str:
        """The page or endpoint that shows ``obj``; "" when none does (a POST-only action)."""
        raise NotImplementedError

    def write(self, client: Client, obj: Any) -> Any:
        """Perform one change on ``obj`` and return the response (None: read-only pages)."""
        return None

    def snapshot(self, obj: Any) -> Any:
        """What must stay identical when a write is refused."""
        return None

    # --- the contract -----------------------------------------------------------------------------
    @pytest.mark.django_db
    def test_anonymous_must_log_in(self) -> None:
        client = Client()
        if url := self.read_url(self.inside()):
            self.assert_login_required(client.get(url))
        before = self.snapshot(self.inside())
        written = self.write(client, self.inside())
        if written is not None:
            self.assert_login_required(written)
        assert self.snapshot(self.inside()) == before

    @pytest.mark.django_db
    def test_account_without_role_is_forbidden(self) -> None:
        client = self.no_role_client()
        if url := self.read_url(self.inside()):
            assert client.get(url).status_code == self.no_role_status
        before = self.snapshot(self.inside())
        written = self.write(client, self.inside())
        if written is not None:
            assert written.status_code == self.no_role_status
        assert self.snapshot(self.inside()) == before

    @pytest.mark.django_db
    def test_other_subtree_is_not_found_and_unchanged(self) -> None:
        client = self.client_for(self.allowed_username)
        target = self.outside()
        denials = AuditEntry.objects.filter(action=DENIED).count()
        if url := self.read_url(target):
            assert client.get(url).status_code == 404
            denials += 1
        read_denials = AuditEntry.objects.filter(action=DENIED).count()
        assert read_denials == denials, "the out-of-scope read was not audited"
        before = self.snapshot(target)
        response = self.write(client, target)
        if response is None:
            return
        assert response.status_code == self.refused_write_status, (
            f"out-of-scope write answered {response.status_code} (a form re-render?); it must be "
            f"{self.refused_write_status} with nothing changed"
        )
        assert self.snapshot(target) == before
        assert AuditEntry.objects.filter(action=DENIED).count() == read_denials + 1

    @pytest.mark.django_db
    def test_allowed_user_succeeds_with_audit_row(self) -> None:
        client = self.client_for(self.allowed_username)
        target = self.inside()
        url = self.read_url(target)
        read = client.get(url) if url else None
        assert read is None or read.status_code == 200, read.status_code
        if self.audit_action is None and not self.unaudited_write_reason:
            assert self.write(client, target) is None, "a write needs its audit_action"
            self.assert_covers(read)
            return
        entries = AuditEntry.objects.filter(action=self.audit_action or "").count()
        before = self.snapshot(target)
        response = self.write(client, target)
        self.assert_write_succeeded(response)
        assert self.snapshot(target) != before
        if self.audit_action is not None:
            assert AuditEntry.objects.filter(action=self.audit_action).count() == entries + 1
        self.assert_covers(read, response)


class RoleContract(EndpointContract):
    # Accounts of other roles that must get 403 (besides an account with no role at all).
    denied_usernames: ClassVar[tuple[str, ...]] = ("supervisor",)
    # None: the covered pages only read.
    audit_action: ClassVar[str | None] = None

    # --- to implement -------------------------------------------------------------------------
    def read_url(self) -> str:
        raise NotImplementedError

    def write(self, client: Client) -> Any:
        """One change, or ``None`` when the pages only read."""
        return None

    def snapshot(self) -> Any:
        return None

    # --- the contract -----------------------------------------------------------------------------
    @pytest.mark.django_db
    def test_anonymous_must_log_in(self) -> None:
        client = Client()
        self.assert_login_required(client.get(self.read_url()))
        before = self.snapshot()
        written = self.write(client)
        if written is not None:
            self.assert_login_required(written)
        assert self.snapshot() == before

    @pytest.mark.django_db
    def test_other_roles_are_forbidden_unchanged_and_audited(self) -> None:
        clients = [self.no_role_client(), *map(self.client_for, self.denied_usernames)]
        for client in clients:
            before = self.snapshot()
            denials = AuditEntry.objects.filter(action=DENIED).count()
            assert client.get(self.read_url()).status_code == 403
            written = self.write(client)
            if written is not None:
                assert written.status_code == 403
            assert self.snapshot() == before
            assert AuditEntry.objects.filter(action=DENIED).count() > denials

    @pytest.mark.django_db
    def test_allowed_user_succeeds(self) -> None:
        client = self.client_for(self.allowed_username)
        read = client.get(self.read_url())
        assert read.status_code == 200
        if self.audit_action is None:
            assert self.write(client) is None
            self.assert_covers(read)
            return
        entries = AuditEntry.objects.filter(action=self.audit_action).count()
        before = self.snapshot()
        response = self.write(client)
        self.assert_write_succeeded(response)
        assert self.snapshot() != before
        assert AuditEntry.objects.filter(action=self.audit_action).count() == entries + 1
        self.assert_covers(read, response)
