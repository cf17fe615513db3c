"""The member list is paged by a keyset cursor (ADR 0025): every row once, in the order a user
sees (organisation, name, id), filters kept, the same queries at any depth, bad cursors harmless."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dangjian.accounts.models import User
from dangjian.members.models import Member
from dangjian.members.permissions import MemberAction
from dangjian.members.tests.factories import make_member
from dangjian.members.views.registry import LIST_ORDER, MemberListView
from dangjian.testkit.queries import assert_queries, capture_queries

pytestmark = pytest.mark.django_db

SIZE = 7


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MemberListView, "paginate_by", SIZE)


@pytest.fixture
def namesakes(org) -> list[Member]:
    """Members sharing one name in one branch and in another: ties broken by id."""
    return [
        make_member(org(code), name="同名党员") for code in ("CT01-ZB1",) * 4 + ("CT02-ZB1",) * 3
    ]


def _expected(username: str, **filters: Any) -> list[int]:
    user = User.objects.get(username=username)
    rows = Member.objects.visible_to(user, MemberAction.VIEW).filter(**filters)
    return list(rows.order_by(*LIST_ORDER).values_list("pk", flat=True))


def _ids(response: Any) -> list[int]:
    return [m.pk for m, _age, _standing in response.context["rows"]]


def _link(response: Any, label: str) -> str | None:
    found = re.search(rf'href="(\?[^"]*)">{label}</a>', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client: Any, url: str, label: str) -> tuple[list[list[int]], Any]:
    pages, response = [], client.get(url)
    while True:
        assert response.status_code == 200
        pages.append(_ids(response))
        link = _link(response, label)
        if link is None:
            return pages, response
        response = client.get(f"/members/{link}")


def test_next_links_list_every_row_once_in_order_with_ties(
    client_for, namesakes, small_pages
) -> None:
    expected = _expected("supervisor")
    assert len(expected) > 10 * SIZE
    pages, last = _walk(client_for("supervisor"), "/members/", "下一页")
    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == SIZE for page in pages[:-1]) and 0 < len(pages[-1]) <= SIZE
    tied = [pk for pk in expected if pk in {m.pk for m in namesakes}]
    assert tied == sorted(tied[:4]) + sorted(tied[4:])  # by org, then id within the name
    page = last.context["page"]
    assert page.number == page.paginator.num_pages == len(pages)
    assert f"第 {len(pages)} / {len(pages)} 页，共 {len(expected)} 条" in last.content.decode()


def test_previous_links_walk_back_to_the_first_page(client_for, namesakes, small_pages) -> None:
    client = client_for("supervisor")
    forward, _ = _walk(client, "/members/", "下一页")
    last_page = f"/members/?after={forward[-2][-1]}"
    back, first = _walk(client, last_page, "上一页")
    assert back == forward[::-1]
    assert first.context["page"].number == 1 and "上一页" not in first.content.decode()
    assert _link(first, "下一页") == f"?after={forward[0][-1]}&n=2"
    middle = client.get(f"/members/?before={forward[3][0]}&n=3")
    assert _ids(middle) == forward[2] and middle.context["page"].number == 3
    assert _link(middle, "上一页") == f"?before={forward[2][0]}&n=2"
    unlabelled = client.get(f"/members/?before={forward[1][0]}")  # back at the start
    assert _ids(unlabelled) == forward[0] and unlabelled.context["page"].number == 1


def test_the_page_label_is_only_a_label(client_for, small_pages) -> None:
    """``n=`` names the page number shown; an implausible one is dropped, the rows unchanged."""
    client = client_for("supervisor")
    expected = _expected("supervisor")
    pages = -(-len(expected) // SIZE)
    for label in ("999", "abc", "1", "0", "9" * 30):
        response = client.get(f"/members/?after={expected[SIZE - 1]}&n={label}")
        body = response.content.decode()
        assert response.status_code == 200 and _ids(response) == expected[SIZE : 2 * SIZE]
        assert response.context["page"].number is None
        assert f"共 {pages} 页，共 {len(expected)} 条" in body
        assert f'href="?after={expected[2 * SIZE - 1]}">下一页' in body


def test_filters_are_kept_across_pages(client_for, namesakes, small_pages) -> None:
    client = client_for("supervisor")
    expected = _expected("supervisor", name__icontains="同名")
    pages, _ = _walk(client, "/members/?search=同名", "下一页")
    assert [pk for page in pages for pk in page] == expected and len(pages) == 1
    expected = _expected("supervisor", status="full")
    assert len(expected) > 2 * SIZE
    pages, last = _walk(client, "/members/?status=full", "下一页")
    assert [pk for page in pages for pk in page] == expected
    assert _link(last, "首页") == "?status=full"
    assert (_link(last, "上一页") or "").startswith("?status=full&before=")


def test_htmx_partial_pages_by_cursor_too(client_for, small_pages) -> None:
    client = client_for("supervisor")
    expected = _expected("supervisor")
    url = f"/members/?after={expected[SIZE - 1]}&n=2"
    partial = client.get(url, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert 'aria-label="功能菜单' not in body and "<table" in body
    assert _ids(partial) == expected[SIZE : 2 * SIZE]
    assert f'href="?after={expected[2 * SIZE - 1]}&amp;n=3">下一页' in body
    assert 'href="?">上一页' in body  # the previous page is the first: no cursor


def test_posted_filters_start_again_on_the_first_page(client_for, small_pages) -> None:
    client = client_for("supervisor")
    expected = _expected("supervisor", status="full")
    response = client.post(
        "/members/", {"status": "full", "after": str(expected[3])}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Push-Url"] == "/members/?status=full"


@pytest.mark.parametrize(
    "cursor",
    ["after=abc", "after=-3", "after=0", "before=1e3", f"after={'9' * 19}", "after=999999999"],
)
def test_a_bad_cursor_gives_the_first_page_and_says_so(client_for, small_pages, cursor) -> None:
    response = client_for("supervisor").get(f"/members/?{cursor}")
    assert response.status_code == 200
    assert _ids(response) == _expected("supervisor")[:SIZE]
    assert "翻页位置已失效，已显示第一页" in response.content.decode()


def test_a_cursor_out_of_scope_anchors_nothing(client_for, org, small_pages) -> None:
    """An id the user may not see is no position in their list: the first page, no hint."""
    outside = make_member(org("CT02-ZB1"), name="甲")  # sorts first in its branch
    for i in range(SIZE + 2):
        make_member(org("CT01-ZB1"), name=f"本支部{i}")
    mine = _expected("secretary1")
    assert len(mine) > SIZE
    assert outside.pk not in mine
    for cursor in (f"after={outside.pk}", f"before={outside.pk}"):
        response = client_for("secretary1").get(f"/members/?{cursor}")
        assert response.status_code == 200 and _ids(response) == mine[:SIZE]
        assert "翻页位置已失效" in response.content.decode()


def test_a_cursor_row_filtered_out_still_anchors_the_next_page(client_for, small_pages) -> None:
    """The anchor is looked up among the visible rows before the filters, so a member whose
    status no longer matches (changed while the user pages) still marks the position."""
    everyone = _expected("supervisor")
    full = set(_expected("supervisor", status="full"))
    anchor = next(pk for pk in everyone[SIZE:] if pk not in full)
    response = client_for("supervisor").get(f"/members/?status=full&after={anchor}")
    after = [pk for pk in everyone[everyone.index(anchor) + 1 :] if pk in full]
    assert _ids(response) == after[:SIZE]


def test_page_one_and_a_deep_page_run_the_same_queries(client_for, org, small_pages) -> None:
    client = client_for("supervisor")
    expected = _expected("supervisor")
    deep = expected[len(expected) - 2 * SIZE]
    with capture_queries() as first:
        assert client.get("/members/").status_code == 200
    for url in (f"/members/?after={deep}", f"/members/?before={deep}", "/members/?after=1x"):
        with assert_queries(first.count, label=url):
            assert client.get(url).status_code == 200
    for i in range(SIZE * 3):
        make_member(org("CT01-ZB1"), name=f"扩容{i:02d}")
    deeper = f"/members/?after={_expected('supervisor')[-SIZE - 1]}"
    with assert_queries(first.count, label="deeper, more rows"):
        assert client.get(deeper).status_code == 200


def test_the_old_page_number_is_ignored_on_the_list(client_for, small_pages) -> None:
    """``?page=N`` (old bookmarks) shows the first page: the list is paged by cursor now."""
    response = client_for("supervisor").get("/members/?page=3")
    assert response.status_code == 200 and _ids(response) == _expected("supervisor")[:SIZE]


def test_the_api_list_keeps_its_page_numbers_in_the_same_order(client_for, namesakes) -> None:
    """The API is paged by number (``count``/``next``/``previous``), unchanged: same rows, same
    order as the page."""
    client = client_for("supervisor")
    expected = _expected("supervisor")
    first = client.get("/api/members/?page_size=20").json()
    second = client.get("/api/members/?page_size=20&page=2").json()
    assert first["count"] == len(expected) and "page=2" in first["next"]
    assert [r["id"] for r in first["results"] + second["results"]] == expected[:40]
