"""Login, lockout, idle timeout, forced password change, password policy and TOTP."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import DEMO_PASSWORD
from dangjian.accounts import services
from dangjian.accounts.models import User
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.testkit.clients import current_token

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_is_chinese_and_public() -> None:
    page = Client().get("/accounts/login/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "用户名" in text and "密码" in text and 'lang="zh-CN"' in text


def test_successful_login_is_audited_and_uses_argon2() -> None:
    response = _login(Client(), "supervisor", DEMO_PASSWORD)
    assert response.status_code == 302
    assert User.objects.get(username="supervisor").password.startswith("argon2")
    assert AuditEntry.objects.filter(action="auth.login", actor_username="supervisor").exists()


def test_wrong_password_shows_chinese_error_and_is_audited() -> None:
    response = _login(Client(), "supervisor", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEntry.objects.filter(
        action="auth.login_failed", actor_username="supervisor", outcome="failure"
    ).exists()


def test_five_failures_lock_the_account_even_for_the_right_password() -> None:
    client = Client()
    for _ in range(5):
        _login(client, "clerk1", "wrong-password")
    locked = _login(client, "clerk1", DEMO_PASSWORD)
    assert locked.status_code == 429
    assert "已被锁定" in locked.content.decode()
    assert AuditEntry.objects.filter(action="auth.lockout", actor_username="clerk1").exists()
    assert "_auth_user_id" not in client.session


def test_idle_session_is_logged_out(client_for) -> None:
    client = client_for("supervisor")
    session = client.session
    session["last_activity"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/orgs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/orgs/").status_code == 302  # really logged out


def test_initial_password_must_be_changed_first() -> None:
    user, password = services.create_account(
        actor=SystemActor("tests"), username="newclerk", full_name="新同事"
    )
    client = Client()
    assert _login(client, "newclerk", password).status_code == 302
    assert client.get("/orgs/")["Location"] == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password1": "Brand-New-Pass9",
            "new_password2": "Brand-New-Pass9",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Short1!", "至少12位"),
        ("alllowercaseletters", "至少3类"),
        ("Supervisor-2026-x", "不能包含用户名"),
        (DEMO_PASSWORD, "最近5次"),
    ],
)
def test_weak_or_reused_passwords_are_refused_by_field(
    client_for, password: str, message: str
) -> None:
    client = client_for("supervisor")
    response = client.post(
        "/accounts/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "新密码：" in response.content.decode()  # the message names the field
    assert User.objects.get(username="supervisor").check_password(DEMO_PASSWORD)


def test_password_history_refuses_the_last_five() -> None:
    user = User.objects.get(username="clerk1")
    passwords = [f"History-Pass-{i}x!" for i in range(5)]
    for p in passwords:
        services.change_password(user, new_password=p, actor=user)
    with pytest.raises(ValidationError, match="最近5次"):
        services.change_password(user, new_password=passwords[0], actor=user)
    services.change_password(user, new_password=DEMO_PASSWORD, actor=user)  # 6th back: allowed


@pytest.mark.parametrize("name", ["admin", "root", "test", "Admin"])
def test_reserved_usernames_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="保留名称"):
        services.create_account(actor=SystemActor("tests"), username=name, full_name="x")
    assert not User.objects.filter(username=name).exists()


def test_admin_roles_must_enrol_totp_then_verify(user) -> None:
    client = Client()
    assert _login(client, "auditor", DEMO_PASSWORD).status_code == 302
    assert client.get("/audit/")["Location"] == "/accounts/otp/verify/"
    assert client.get("/accounts/otp/verify/")["Location"] == "/accounts/otp/enrol/"
    page = client.get("/accounts/otp/enrol/")
    assert "绑定动态口令" in page.content.decode()
    device = TOTPDevice.objects.get(user=user("auditor"), confirmed=False)
    assert (
        "动态口令不正确"
        in client.post("/accounts/otp/enrol/", {"token": "000000"}).content.decode()
    )
    time.sleep(1.1)  # django-otp throttles the next attempt for a second after a failure
    assert client.post("/accounts/otp/enrol/", {"token": current_token(device)}).status_code == 302
    assert client.get("/audit/").status_code == 200
    assert AuditEntry.objects.filter(action="accounts.totp.enrol", outcome="success").exists()


def test_business_accounts_may_opt_into_totp(user) -> None:
    clerk = user("clerk1")
    clerk.totp_required = True
    clerk.save()
    client = Client()
    _login(client, "clerk1", DEMO_PASSWORD)
    assert client.get("/orgs/")["Location"] == "/accounts/otp/verify/"


def test_admin_roles_are_exclusive_with_business_grants(user, org) -> None:
    with pytest.raises(ValidationError, match="三权分立"):
        services.grant_role(
            actor=SystemActor("tests"), user=user("sysadmin"), role="supervisor", node=org("XC")
        )


@override_settings(ENVIRONMENT="production")
def test_superuser_check_fails_outside_development() -> None:
    from dangjian.core.checks import no_active_superuser

    assert no_active_superuser(None) == []
    User.objects.filter(username="clerk1").update(is_superuser=True)
    errors = no_active_superuser(None)
    assert [e.id for e in errors] == ["dangjian.E001"]
    assert "clerk1" in errors[0].msg


def test_sysadmin_creates_account_with_one_time_password(client_for) -> None:
    client = client_for("sysadmin")
    response = client.post("/accounts/users/new/", {"username": "zhangsan", "full_name": "张三"})
    assert response.status_code == 200
    assert "初始密码仅显示这一次" in response.content.decode()
    created = User.objects.get(username="zhangsan")
    assert created.must_change_password
    assert AuditEntry.objects.filter(
        action="accounts.user.create", object_id=str(created.pk)
    ).exists()
    assert client_for("supervisor").get("/accounts/users/").status_code == 403
