"""Personal API tokens: hashed, expiring, revocable, refused to 三员 and to accounts that must act
first; created on the profile page or by 系统管理员; scope applies as for the session."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from dangjian.accounts import services
from dangjian.accounts.authentication import CSRF_FAILED_MESSAGE
from dangjian.accounts.models import ApiToken, User
from dangjian.accounts.rules import (
    API_TOKEN_ACTIVE_LIMIT,
    API_TOKEN_MARK,
    token_day_choices,
    token_name_error,
)
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.members.models import Member
from dangjian.members.permissions import MemberAction
from dangjian.testkit.queries import capture_queries

pytestmark = pytest.mark.django_db


def make_token(holder: User, *, actor: User | None = None, days: int = 30) -> tuple[ApiToken, str]:
    name = f"数据对接{next(_NAMES)}"
    return services.create_api_token(actor=actor or holder, user=holder, name=name, days=days)


_NAMES = itertools.count(1)


def api(clear: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {clear}")


# --- storage and lifetime ------------------------------------------------------------------------
def test_the_database_holds_only_a_digest_of_the_token(user) -> None:
    token, clear = make_token(user("clerk1"))
    assert clear.startswith(API_TOKEN_MARK) and len(clear) > 40
    assert token.digest == services.api_token_digest(clear) and clear not in token.digest
    assert clear.startswith(token.prefix) and len(token.prefix) < len(clear) // 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert clear not in stored
    assert api(clear).get("/api/orgs/?page_size=1").status_code == 200


def test_an_expired_token_gets_401_with_a_challenge(user) -> None:
    token, clear = make_token(user("clerk1"))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(clear).get("/api/orgs/")
    assert response.status_code == 401
    assert "已过期" in response.json()["detail"]
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_an_unknown_or_malformed_token_gets_401(user) -> None:
    assert api("djt_not-a-real-token").get("/api/orgs/").status_code == 401
    response = Client(HTTP_AUTHORIZATION="Token two parts").get("/api/orgs/")
    assert response.status_code == 401 and "格式" in response.json()["detail"]


def test_anonymous_401_carries_www_authenticate() -> None:
    response = Client().get("/api/members/")
    assert response.status_code == 401
    assert response.json()["detail"] == "请先登录"
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_expiry_choices_stay_under_the_configured_maximum(settings, user) -> None:
    assert token_day_choices(180) == [30, 90, 180]
    assert token_day_choices(100) == [30, 90, 100]
    settings.API_TOKEN_MAX_DAYS = 90
    holder = user("clerk1")
    with pytest.raises(ValidationError) as caught:
        services.create_api_token(actor=holder, user=holder, name="长期", days=180)
    assert "最长90天" in caught.value.message_dict["days"][0]
    assert not ApiToken.objects.filter(user=holder).exists()


def test_revocation_stops_the_token_at_once_and_is_audited(user) -> None:
    holder = user("clerk1")
    token, clear = make_token(holder)
    assert api(clear).get("/api/orgs/?page_size=1").status_code == 200
    services.revoke_api_token(token, actor=holder)
    response = api(clear).get("/api/orgs/")
    assert response.status_code == 401 and "已撤销" in response.json()["detail"]
    entry = AuditEntry.objects.filter(action="accounts.token.revoke").latest("seq")
    assert entry.actor_username == "clerk1" and entry.object_id == str(token.pk)
    assert entry.changes["prefix"] == token.prefix
    with pytest.raises(ValidationError):
        services.revoke_api_token(token, actor=holder)


def test_last_use_is_recorded_at_most_once_a_minute(user) -> None:
    token, clear = make_token(user("clerk1"))
    assert token.last_used_at is None
    client = api(clear)
    client.get("/api/orgs/?page_size=1")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None

    def stamps_written() -> int:
        with capture_queries() as log:
            assert client.get("/api/orgs/?page_size=1").status_code == 200
        return len(log.matching('UPDATE "accounts_apitoken"'))

    assert stamps_written() == 0
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    stale = first - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    assert stamps_written() == 1
    latest = ApiToken.objects.get(pk=token.pk).last_used_at
    assert latest is not None and latest > stale + timedelta(minutes=1)


def test_creation_is_audited_without_the_token(user) -> None:
    token, clear = make_token(user("clerk1"))
    entry = AuditEntry.objects.filter(action="accounts.token.create").latest("seq")
    assert entry.object_id == str(token.pk) and entry.changes["prefix"] == token.prefix
    assert entry.changes["user"] == "clerk1" and entry.changes["name"] == token.name
    flat = " ".join([entry.object_repr, str(entry.changes)])
    assert clear not in flat and token.digest not in flat


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "请填写令牌名称"),
        ("x" * 61, "不能超过60"),
        ("对接\u202egpj.exe", "控制字符"),
        ("对\u200b接", "令牌名称含有不可见"),
    ],
)
def test_bad_names_are_refused_naming_the_field(user, name, fragment) -> None:
    holder = user("clerk1")
    before = AuditEntry.objects.count()
    assert fragment in (token_name_error(name) or "")
    with pytest.raises(ValidationError) as caught:
        services.create_api_token(actor=holder, user=holder, name=name, days=30)
    assert fragment in caught.value.message_dict["name"][0]
    assert not ApiToken.objects.filter(user=holder).exists()
    assert AuditEntry.objects.count() == before


def test_live_tokens_per_account_are_capped(user) -> None:
    holder = user("clerk1")
    for _ in range(API_TOKEN_ACTIVE_LIMIT):
        make_token(holder)
    with pytest.raises(ValidationError, match="最多"):
        make_token(holder)


# --- who may hold and use a token ----------------------------------------------------------------
@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_admin_roles_get_no_token(user, username) -> None:
    admin = user(username)
    with pytest.raises(ValidationError) as caught:
        services.create_api_token(actor=admin, user=admin, name="脚本", days=30)
    assert "不能持有 API 令牌" in caught.value.message_dict["user"][0]
    with pytest.raises(ValidationError):
        services.create_api_token(actor=user("sysadmin"), user=admin, name="脚本", days=30)
    assert not ApiToken.objects.filter(user=admin).exists()


def test_a_token_stops_working_when_its_holder_becomes_an_admin(user) -> None:
    holder = user("clerk1")
    _, clear = make_token(holder)
    User.objects.filter(pk=holder.pk).update(admin_role="auditor")
    response = api(clear).get("/api/orgs/")
    assert response.status_code == 401 and "不能使用 API 令牌" in response.json()["detail"]


def test_the_profile_of_an_admin_offers_no_token_form(client_for) -> None:
    client = client_for("auditor")
    page = client.get("/accounts/profile/").content.decode()
    assert "不能持有 API 令牌" in page and 'name="days"' not in page
    response = client.post("/accounts/profile/tokens/new/", {"name": "脚本", "days": "30"})
    assert "不能持有 API 令牌" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("how", ["must_change", "expired_password"])
def test_a_password_to_change_blocks_the_token_with_403(user, how) -> None:
    holder = user("clerk1")
    _, clear = make_token(holder)
    if how == "must_change":
        User.objects.filter(pk=holder.pk).update(must_change_password=True)
    else:
        User.objects.filter(pk=holder.pk).update(
            password_changed_at=timezone.now() - timedelta(days=400)
        )
    response = api(clear).get("/api/orgs/")
    assert response.status_code == 403
    assert response.json()["detail"] == "须先登录网站修改密码，之后才能使用 API 令牌"


@pytest.mark.parametrize("how", ["disabled", "past_validity", "locked"])
def test_disabled_expired_or_locked_accounts_cannot_use_tokens(user, how) -> None:
    from axes.models import AccessAttempt
    from django.conf import settings

    holder = user("clerk1")
    _, clear = make_token(holder)
    if how == "disabled":
        User.objects.filter(pk=holder.pk).update(is_active=False)
    elif how == "past_validity":
        User.objects.filter(pk=holder.pk).update(valid_until=timezone.localdate() - timedelta(1))
    else:
        AccessAttempt.objects.create(
            username=holder.username,
            ip_address="127.0.0.1",
            user_agent="",
            failures_since_start=settings.AXES_FAILURE_LIMIT,
        )
    response = api(clear).get("/api/orgs/")
    assert response.status_code == 401
    assert ("锁定" if how == "locked" else "停用") in response.json()["detail"]


def test_a_token_sees_only_its_holders_scope(user, org) -> None:
    from dangjian.members import services as member_services
    from dangjian.members.tests.helpers import data

    member_services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="本支部党员")
    )
    holder = user("secretary1")
    _, clear = make_token(holder)
    visible = Member.objects.visible_to(holder, MemberAction.VIEW)
    body = api(clear).get("/api/members/?page_size=500").json()
    assert 0 < body["count"] == visible.count() < Member.objects.count()
    assert {m["id"] for m in body["results"]} == set(visible.values_list("pk", flat=True))
    outside = Member.objects.exclude(pk__in=visible.values("pk")).first()
    assert outside is not None
    assert api(clear).get(f"/api/members/{outside.pk}/").status_code == 404


# --- pages --------------------------------------------------------------------------------------
def test_profile_creates_a_token_and_shows_it_once(client_for, user) -> None:
    client = client_for("clerk1")
    response = client.post("/accounts/profile/tokens/new/", {"name": "组织部对接", "days": "90"})
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=user("clerk1"))
    page = response.content.decode()
    start = page.index(token.prefix)
    clear = page[start : page.index("<", start)].strip()
    assert services.api_token_digest(clear) == token.digest
    assert "仅显示这一次" in page
    assert api(clear).get("/api/orgs/?page_size=1").status_code == 200
    listing = client.get("/accounts/profile/").content.decode()
    assert "组织部对接" in listing and token.prefix in listing and clear not in listing
    assert token.expires_at - token.created_at == timedelta(days=90)
    again = client.post("/accounts/profile/tokens/new/", {"name": "组织部对接", "days": "90"})
    assert "已有名为“组织部对接”的有效令牌" in again.content.decode()  # a resubmitted form
    assert ApiToken.objects.filter(user=user("clerk1")).count() == 1


def test_profile_form_errors_name_the_field(client_for) -> None:
    response = client_for("clerk1").post("/accounts/profile/tokens/new/", {"name": "", "days": "7"})
    page = response.content.decode()
    assert "令牌名称：请填写令牌名称" in page and "有效期：请从给定选项中选择" in page
    assert not ApiToken.objects.exists()


def test_owner_revokes_from_the_profile(client_for, user) -> None:
    token, clear = make_token(user("clerk1"))
    client = client_for("clerk1")
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert api(clear).get("/api/orgs/").status_code == 401


def test_someone_elses_token_cannot_be_revoked_and_the_attempt_is_logged(client_for, user) -> None:
    token, _ = make_token(user("clerk1"))
    response = client_for("secretary1").post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    denial = AuditEntry.objects.filter(action="access.denied").latest("seq")
    assert denial.actor_username == "secretary1" and denial.changes["object_id"] == str(token.pk)
    with pytest.raises(PermissionDenied):
        services.revoke_api_token(token, actor=user("secretary1"))


def test_sysadmin_creates_for_another_user_and_revokes(client_for, user) -> None:
    clerk = user("clerk1")
    client = client_for("sysadmin")
    assert "API 令牌" in client.get("/accounts/users/").content.decode()
    response = client.post(f"/accounts/users/{clerk.pk}/tokens/", {"name": "代建", "days": "30"})
    assert response.status_code == 200 and "仅显示这一次" in response.content.decode()
    token = ApiToken.objects.get(user=clerk)
    assert token.created_by == user("sysadmin")
    entry = AuditEntry.objects.filter(action="accounts.token.create").latest("seq")
    assert entry.actor_username == "sysadmin" and entry.changes["user"] == "clerk1"
    listing = client.get(f"/accounts/users/{clerk.pk}/tokens/").content.decode()
    assert "代建" in listing and token.prefix in listing
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response["Location"] == f"/accounts/users/{clerk.pk}/tokens/"
    assert ApiToken.objects.get(pk=token.pk).revoked_by == user("sysadmin")


def test_sysadmin_cannot_make_tokens_for_admin_accounts(client_for, user) -> None:
    auditor = user("auditor")
    client = client_for("sysadmin")
    page = client.get(f"/accounts/users/{auditor.pk}/tokens/").content.decode()
    assert "不能持有 API 令牌" in page
    client.post(f"/accounts/users/{auditor.pk}/tokens/", {"name": "脚本", "days": "30"})
    assert not ApiToken.objects.filter(user=auditor).exists()


def test_a_business_user_cannot_create_tokens_for_others(client_for, user) -> None:
    clerk = user("clerk1")
    before = AuditEntry.objects.filter(action="access.denied").count()
    response = client_for("secretary1").post(
        f"/accounts/users/{clerk.pk}/tokens/", {"name": "冒用", "days": "30"}
    )
    assert response.status_code == 403
    assert not ApiToken.objects.filter(user=clerk).exists()
    assert AuditEntry.objects.filter(action="access.denied").count() == before + 1
    with pytest.raises(PermissionDenied):
        services.create_api_token(actor=user("secretary1"), user=clerk, name="冒用", days=30)


# --- session API: CSRF and schema --------------------------------------------------------------
def test_a_csrf_failure_on_the_api_says_so_in_chinese(user) -> None:
    from dangjian.testkit.clients import login

    client = login(Client(enforce_csrf_checks=True), user("clerk1"))
    response = client.post("/api/orgs/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == CSRF_FAILED_MESSAGE


def test_the_schema_documents_the_token_scheme() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    schemes: dict[str, Any] = schema["components"]["securitySchemes"]
    assert schemes["apiToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["apiToken"]["description"],
    }
    assert "Token <令牌>" in schemes["apiToken"]["description"]
    assert "cookieAuth" in schemes and "tokenAuth" not in schemes
