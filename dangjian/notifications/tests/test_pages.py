"""The notification centre and the bell: own rows only, mark read, constant query counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.notifications import services
from dangjian.notifications.models import EmailPreference, Notification
from dangjian.notifications.tests.conftest import QUIET_KIND, TEST_KIND

pytestmark = pytest.mark.django_db
NOW = datetime(2028, 3, 1, 9, 0, tzinfo=UTC)
BELL = re.compile(r'id="notification-bell-count"[^>]*data-unread="(\d+)"')


def _emit(user, n: int, *, start: int = 0, link: str = "/members/") -> list[Notification]:
    rows = []
    for i in range(start, start + n):
        rows += services.notify(
            user,
            TEST_KIND,
            f"tests:{i}",
            f"通知{i:03d}",
            f"内容{i}",
            link,
            actor=SystemActor("job:tests"),
            now=NOW + timedelta(minutes=i),
        )
    return rows


def _bell(html: str) -> int:
    match = BELL.search(html)
    assert match, "the navigation has no bell"
    return int(match.group(1))


def test_bell_shows_the_unread_count_on_every_page(client_for, user) -> None:
    client = client_for("secretary1")
    assert _bell(client.get("/orgs/").content.decode()) == 0
    rows = _emit(user("secretary1"), 3)
    _emit(user("clerk1"), 2)  # someone else's count is not ours
    assert _bell(client.get("/orgs/").content.decode()) == 3
    services.mark_read(user("secretary1"), rows[0].pk, now=NOW)
    assert _bell(client.get("/members/").content.decode()) == 2


def test_centre_lists_own_notifications_unread_first_newest_first(client_for, user) -> None:
    secretary = user("secretary1")
    rows = _emit(secretary, 4)
    _emit(user("clerk1"), 1, start=10)
    services.mark_read(secretary, rows[3].pk, now=NOW)  # the newest is read
    page = client_for("secretary1").get("/notifications/").content.decode()
    titles = re.findall(r"通知(\d{3})", page)
    assert titles == ["002", "001", "000", "003"]
    assert "通知010" not in page
    unread = client_for("secretary1").get("/notifications/?show=unread").content.decode()
    assert re.findall(r"通知(\d{3})", unread) == ["002", "001", "000"]


def test_centre_is_paginated(client_for, user) -> None:
    _emit(user("secretary1"), 25)
    client = client_for("secretary1")
    first = client.get("/notifications/").content.decode()
    second = client.get("/notifications/?page=2").content.decode()
    assert len(re.findall(r'id="notification-\d+"', first)) == 20
    assert len(re.findall(r'id="notification-\d+"', second)) == 5
    assert "第 1 / 2 页，共 25 条" in first


def test_centre_answers_only_get(client_for) -> None:
    """The centre is a ``ScopedListView`` limited to GET, as ``require_GET`` made it."""
    client = client_for("secretary1")
    assert client.post("/notifications/").status_code == 405
    assert client.head("/notifications/").status_code == 405


def test_centre_query_count_does_not_grow_with_notifications(client_for, user) -> None:
    client = client_for("secretary1")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/notifications/").status_code == 200
        return len(ctx.captured_queries)

    _emit(user("secretary1"), 3)
    small = count()
    _emit(user("secretary1"), 40, start=3)
    # session, user, page count, page rows, the menu's grants, the bell's unread count
    assert (small, count()) == (6, 6)


def test_mark_one_read_by_post_and_by_htmx(client_for, user) -> None:
    first, second = _emit(user("secretary1"), 2)
    client = client_for("secretary1")
    assert client.get(f"/notifications/{first.pk}/read/").status_code == 405
    response = client.post(f"/notifications/{first.pk}/read/", {"next": "/notifications/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.post(f"/notifications/{second.pk}/read/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-read="yes"' in html
    assert 'hx-swap-oob="true"' in html and _bell(html) == 0
    response = client.post(f"/notifications/{second.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"  # only the platform's own paths


def test_opening_a_notification_marks_it_read_and_goes_to_its_object(client_for, user) -> None:
    [row] = _emit(user("secretary1"), 1, link="/members/transfers/")
    response = client_for("secretary1").post(f"/notifications/{row.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/members/transfers/"
    row.refresh_from_db()
    assert row.read_at is not None
    [odd] = _emit(user("secretary1"), 1, start=5, link="//evil.example/")
    assert client_for("secretary1").post(f"/notifications/{odd.pk}/open/")["Location"] == (
        "/notifications/"
    )


def test_mark_all_read_touches_only_own_rows(client_for, user) -> None:
    _emit(user("secretary1"), 3)
    [other] = _emit(user("clerk1"), 1)
    response = client_for("secretary1").post("/notifications/read-all/", follow=True)
    assert "已将 3 条通知标为已读" in response.content.decode()
    assert services.unread_count(user("secretary1")) == 0
    other.refresh_from_db()
    assert other.read_at is None


@pytest.mark.parametrize("verb", ["read", "open"])
def test_another_users_notification_is_not_found_unchanged_and_the_probe_recorded(
    client_for, user, verb: str
) -> None:
    [other] = _emit(user("clerk1"), 1)
    denials = AuditEntry.objects.filter(action="access.denied").count()
    response = client_for("secretary1").post(f"/notifications/{other.pk}/{verb}/")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1
    missing = client_for("secretary1").post(f"/notifications/{other.pk + 1000}/{verb}/")
    assert missing.status_code == 404
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    for method, url in [
        ("get", "/notifications/"),
        ("post", "/notifications/1/read/"),
        ("post", "/notifications/read-all/"),
        ("post", "/notifications/preferences/"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_profile_shows_the_settings_and_saves_them(client_for, user) -> None:
    client = client_for("secretary1")
    page = client.get("/accounts/profile/").content.decode()
    assert "通知设置" in page and "测试通知：发送邮件" in page and "接收邮箱" in page
    response = client.post(
        "/notifications/preferences/",
        {"email": "s1@example.cn", "email_kinds": [QUIET_KIND]},
        follow=True,
    )
    assert "通知设置已保存" in response.content.decode()
    chosen = dict(
        EmailPreference.objects.filter(user=user("secretary1")).values_list("kind", "email")
    )
    assert chosen[QUIET_KIND] is True and chosen[TEST_KIND] is False
    assert user("secretary1").email == "s1@example.cn"
    html = client.get("/accounts/profile/").content.decode()
    assert re.search(rf'value="{QUIET_KIND}"[^>]*checked', html)
    assert not re.search(rf'value="{TEST_KIND}"[^>]*checked', html)


def test_bad_preferences_name_the_field_and_store_nothing(client_for, user) -> None:
    client = client_for("secretary1")
    entries = AuditEntry.objects.count()
    response = client.post(
        "/notifications/preferences/",
        {"email": "不是邮箱", "email_kinds": [TEST_KIND]},
        follow=True,
    )
    assert "接收邮箱：请输入有效的邮箱地址" in response.content.decode()
    response = client.post(
        "/notifications/preferences/", {"email_kinds": ["tests.nope"]}, follow=True
    )
    assert "邮件通知：包含不存在的通知类型，通知设置未保存" in response.content.decode()
    assert not EmailPreference.objects.filter(user=user("secretary1")).exists()
    assert user("secretary1").email == ""
    assert AuditEntry.objects.count() == entries
