"""Lockout across addresses, passwords taken exactly as typed, idle clock started at login."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client

from conftest import DEMO_PASSWORD
from dangjian.accounts import middleware
from dangjian.accounts.models import User
from dangjian.accounts.rules import account_locked
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _login(username: str, password: str, address: str = "10.0.0.1", client: Client | None = None):
    return (client or Client()).post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _page_text(response) -> str:
    """The visible answer, without the per-request CSRF token and CSP nonce."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", text)
    return re.sub(r'nonce="[^"]*"', "", text)


@pytest.mark.parametrize(
    ("worst_address", "per_account", "locked"),
    [(0, 0, False), (4, 9, False), (5, 5, True), (1, 10, True), (4, 12, True), (3, 3, False)],
)
def test_account_locked_by_one_address_or_by_the_total(worst_address, per_account, locked) -> None:
    assert account_locked(worst_address, per_account, address_limit=5, account_limit=10) is locked


def test_an_account_cap_of_zero_leaves_only_the_address_limit() -> None:
    assert not account_locked(4, 1000, address_limit=5, account_limit=0)
    assert account_locked(5, 5, address_limit=5, account_limit=0)


def test_the_right_password_from_a_second_address_is_refused_while_locked_from_the_first() -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("clerk1", "wrong-password", "10.0.0.1")
    assert _login("clerk1", DEMO_PASSWORD, "10.0.0.1").status_code == 429
    second = Client()
    assert _login("clerk1", DEMO_PASSWORD, "10.0.0.2", second).status_code == 429
    assert "_auth_user_id" not in second.session
    # Another account from the locked address is not affected: the lock is the username's.
    assert _login("secretary1", DEMO_PASSWORD, "10.0.0.1").status_code == 302


def test_fewer_failures_than_the_limit_from_one_address_lock_nothing() -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login("clerk1", "wrong-password", "10.0.0.1")
    assert _login("clerk1", DEMO_PASSWORD, "10.0.0.2").status_code == 302


def test_failures_spread_over_addresses_lock_the_account_everywhere() -> None:
    cap = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    assert cap == 2 * settings.AXES_FAILURE_LIMIT  # the documented default
    for n in range(cap - 1):
        assert _login("member1", "wrong-password", f"10.1.0.{n + 1}").status_code == 200
    # One below the cap: the account still logs in from a fresh address...
    probe = Client()
    assert _login("member1", DEMO_PASSWORD, "10.2.0.1", probe).status_code == 302
    probe.post("/accounts/logout/")
    # ...and a success from one address does not forgive the guesses made from the others.
    assert _login("member1", "wrong-password", f"10.1.0.{cap}").status_code == 429
    client = Client()
    response = _login("member1", DEMO_PASSWORD, "10.9.9.9", client)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.lockout", actor_username="member1").exists()


def test_six_wrong_passwords_from_six_addresses_lock_when_the_cap_is_six(settings) -> None:
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 6
    for n in range(6):
        _login("secretary1", "wrong-password", f"10.3.0.{n + 1}")
    assert _login("secretary1", DEMO_PASSWORD, "10.3.1.1").status_code == 429


def test_an_unknown_username_gets_the_identical_lock_answer() -> None:
    cap = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    answers: dict[str, Any] = {}
    for username in ("executive1", "nobody-here"):
        for n in range(cap):
            _login(username, "wrong-password", f"10.4.{len(answers)}.{n + 1}")
        answers[username] = _login(username, "another-guess", "10.4.9.9")
    known, unknown = answers["executive1"], answers["nobody-here"]
    assert known.status_code == unknown.status_code == 429
    assert _page_text(known) == _page_text(unknown)
    assert "已被锁定" in _page_text(known)


def test_unlock_clears_the_account_lock_from_every_address(client_for) -> None:
    cap = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    for n in range(cap):
        _login("observer1", "wrong-password", f"10.5.0.{n + 1}")
    assert _login("observer1", DEMO_PASSWORD, "10.5.1.1").status_code == 429
    secadmin = client_for("secadmin")
    page = secadmin.get("/accounts/security/lockouts/").content.decode()
    assert "所有地址已锁定" in page and "observer1" in page
    secadmin.post("/accounts/security/lockouts/", {"username": "observer1"})
    assert _login("observer1", DEMO_PASSWORD, "10.5.1.1").status_code == 302
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.filter(username="observer1").exists()
    entry = AuditEntry.objects.filter(action="accounts.user.unlock").latest("seq")
    assert entry.changes["attempts_cleared"] >= cap


def test_a_password_with_spaces_set_by_the_change_form_logs_in_exactly_as_typed(
    client_for,
) -> None:
    client = client_for("clerk1")
    spaced = "  Spaced-Pass-2026  "
    response = client.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": spaced, "new_password2": spaced},
    )
    assert response.status_code == 302
    clerk = User.objects.get(username="clerk1")
    assert clerk.check_password(spaced)
    assert not clerk.check_password(spaced.strip())
    assert _login("clerk1", spaced, "10.6.0.1").status_code == 302
    assert _login("clerk1", spaced.strip(), "10.6.0.2").status_code == 200


def test_the_change_form_checks_the_current_password_as_typed(client_for) -> None:
    client = client_for("clerk1")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD + " ",
            "new_password1": "Another-Pass-2026",
            "new_password2": "Another-Pass-2026",
        },
    )
    assert response.status_code == 200 and "当前密码不正确" in response.content.decode()


def test_a_new_account_changes_its_initial_password_to_one_with_spaces() -> None:
    from dangjian.accounts import services

    _, initial = services.create_account(
        actor=SystemActor("tests"), username="spacey", full_name="空格"
    )
    client = Client()
    assert _login("spacey", initial, "10.7.0.1", client).status_code == 302
    spaced = " Leading-Space-77"
    client.post(
        "/accounts/password/",
        {"old_password": initial, "new_password1": spaced, "new_password2": spaced},
    )
    assert _login("spacey", spaced, "10.7.0.2").status_code == 302


def test_idle_time_between_login_and_the_first_request_counts() -> None:
    client = Client()
    logged_in_at = middleware.now_seconds()
    assert _login("supervisor", DEMO_PASSWORD, "10.8.0.1", client).status_code == 302
    later = logged_in_at + settings.IDLE_TIMEOUT_MINUTES * 60 + 5
    with mock.patch.object(middleware, "now_seconds", return_value=later):
        response = client.get("/orgs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_first_request_inside_the_idle_window_is_served() -> None:
    client = Client()
    logged_in_at = middleware.now_seconds()
    _login("supervisor", DEMO_PASSWORD, "10.8.0.2", client)
    later = logged_in_at + settings.IDLE_TIMEOUT_MINUTES * 60 - 60
    with mock.patch.object(middleware, "now_seconds", return_value=later):
        assert client.get("/orgs/").status_code == 200
