"""The shell's frame (ADR 0028): the grouped menu, the 405 page, the message after signing out,
open filter choices reading 全部."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from dangjian.core import navigation

pytestmark = pytest.mark.django_db


def _menu(client: Any) -> list[tuple[str, list[str]]]:
    response = client.get("/")
    return [(label, [e[1] for e in entries]) for label, entries in response.context["nav_groups"]]


def test_the_menu_is_grouped_by_capability_and_follows_the_roles(client_for: Any) -> None:
    supervisor = dict(_menu(client_for("supervisor")))
    assert supervisor["组织与党员"] == ["组织体系", "党员管理"]
    assert "系统管理" not in supervisor and "接口文档" in supervisor
    observer = dict(_menu(client_for("observer1")))
    assert "接口文档" not in observer and "组织与党员" in observer
    admin = _menu(client_for("sysadmin"))
    labels = [label for label, _ in admin]
    assert labels.index("系统管理") < labels.index("接口文档")
    assert "账号管理" in dict(admin)["系统管理"] and "党员管理" not in dict(admin)["组织与党员"]


def test_the_active_entry_is_marked_even_without_nav_active(client_for: Any) -> None:
    body = client_for("sysadmin").get("/accounts/users/").content.decode()
    assert 'href="/accounts/users/" aria-current="page"' in body


def test_an_entry_in_an_undeclared_group_fails(rf: Any, client_for: Any) -> None:
    from dangjian.accounts.models import User

    navigation.register_nav(navigation.NavEntry("stray", "游离", "home", 5, group="nowhere"))
    try:
        with pytest.raises(ImproperlyConfigured):
            navigation.groups_for(User.objects.get(username="supervisor"))
    finally:
        navigation._ENTRIES.pop("stray")
    with pytest.raises(ImproperlyConfigured):
        navigation.register_nav_group(navigation.NavGroup("system", "别的", 1))


def test_a_wrong_http_method_gets_the_chinese_page(client_for: Any) -> None:
    client = client_for("member1")
    response = client.get("/notifications/read-all/")
    assert response.status_code == 405 and "POST" in response["Allow"]
    body = response.content.decode()
    assert "请求方式不正确" in body and "返回首页" in body
    # The API keeps its JSON answer.
    api = client.delete("/api/orgs/")
    assert api.status_code == 405 and api["Content-Type"].startswith("application/json")


def test_signing_out_says_so() -> None:
    from dangjian.accounts.models import User
    from dangjian.testkit.clients import login

    client = login(Client(), User.objects.get(username="member1"))
    response = client.post("/accounts/logout/", follow=True)
    assert response.request["PATH_INFO"] == "/accounts/login/"
    assert "您已安全退出" in response.content.decode()
    # Nobody signed in: no message.
    again = Client().post("/accounts/logout/", follow=True)
    assert "您已安全退出" not in again.content.decode()


def test_open_filter_choices_read_all(client_for: Any) -> None:
    body = client_for("supervisor").get("/members/").content.decode()
    assert '<option value="" selected>全部</option>' in body and "---------" not in body


def test_a_member_s_timeline_names_people_not_login_names(client_for: Any) -> None:
    from dangjian.accounts.models import User
    from dangjian.core import clock
    from dangjian.members.models import EventKind, Member
    from dangjian.members.services import add_event

    clerk = User.objects.get(username="secretary1")
    member = Member.objects.order_by("pk").first()
    assert member is not None
    add_event(member, EventKind.values[0], clock.today(), "测试事项", clerk)
    body = client_for("supervisor").get(f"/members/{member.pk}/").content.decode()
    assert clerk.full_name and f'测试事项 <span class="text-muted">（{clerk.full_name}）' in body


@pytest.mark.parametrize(
    ("yuan", "places", "shown"),
    [
        (123456789, 2, "12,345.68 万元"),
        ("50000000", 0, "5,000 万元"),
        (0, 2, "0.00 万元"),
        (None, 2, "—"),
        ("不是金额", 2, "—"),
    ],
)
def test_money_reads_in_wanyuan_with_separators(yuan: Any, places: int, shown: str) -> None:
    from django.template import Context, Template

    rendered = Template("{% load money %}{{ v|wanyuan:p }}").render(
        Context({"v": yuan, "p": places})
    )
    assert rendered == shown
