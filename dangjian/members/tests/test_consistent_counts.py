"""One definition of "current members" (``selectors.roster_q``) behind three figures: the org
page's 党员名册 button, the default member list and the 双报到 page agree for every role."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from dangjian.members.models import Member
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import OrgNode
from dangjian.testkit.queries import assert_queries

pytestmark = pytest.mark.django_db
READERS = ["supervisor", "secretary1", "clerk1", "observer1"]
ROSTER_BUTTON = re.compile(r"党员名册（(\d+)人）")
LIST_TOTAL = re.compile(r'id="member-total">共 <strong>(\d+)</strong> 人')


def _list_total(client: Any, query: str = "") -> int:
    found = LIST_TOTAL.search(client.get(f"/members/{query}").content.decode())
    assert found, "the list shows its count"
    return int(found.group(1))


@pytest.fixture
def history(org) -> list[Member]:
    """Former members in the demo secretary's branch: they must not count as current."""
    branch = org("CT01-ZB1")
    made = [make_member(branch, name=f"历史{i}") for i in range(3)]
    for member, status in zip(made, ["transferred", "deceased", "suspended"], strict=True):
        Member.objects.filter(pk=member.pk).update(status=status)
    make_member(branch, name="在册甲")
    make_member(branch, name="在册乙", status="probationary", full_on=None)
    return made


@pytest.mark.parametrize("username", READERS)
def test_roster_button_list_and_dual_registration_agree(client_for, history, username: str) -> None:
    client = client_for(username)
    dual = client.get("/members/dual-registration/")
    rows = dual.context["rows"]
    assert rows, f"{username} sees current members, so the 双报到 page has rows"
    assert "范围内没有在册党员" not in dual.content.decode()
    for row in rows:
        assert _list_total(client, f"?org={row['pk']}") == row["total"], row["name"]
    assert _list_total(client) == dual.context["total"]
    shown = min(dual.context["missing"], dual.context["shown_unregistered"])
    assert len(dual.context["unregistered"]) == shown
    branches = OrgNode.objects.visible_to(dual.context["user"], "org.view").filter(
        kind__in=["branch", "general_branch", "party_committee"]
    )
    checked = 0
    for node in branches:
        page = client.get(f"/orgs/{node.pk}/").content.decode()
        button = ROSTER_BUTTON.search(page)
        assert button, f"{username} sees the roster button on {node.code}"
        assert int(button.group(1)) == _list_total(client, f"?org={node.pk}"), node.code
        checked += 1
    assert checked


def test_history_is_behind_the_filter(client_for, history) -> None:
    client = client_for("clerk1")
    default = client.get("/members/").content.decode()
    assert "在册甲" in default and "在册乙" in default
    assert not any(m.name in default for m in history)
    former = client.get("/members/?roll=former").content.decode()
    assert all(m.name in former for m in history) and "在册甲" not in former
    everyone = _list_total(client, "?roll=all")
    assert everyone == _list_total(client) + len(history)
    # A standing asked for by name is listed whatever the default roll.
    assert "历史0" in client.get("/members/?status=transferred").content.decode()


def test_the_clerk_sees_their_branch_on_the_dual_registration_page(client_for, org) -> None:
    """A branch-level account sees no enterprise: its branch is its own row, not an empty
    table above the list of names."""
    make_member(org("CT01-ZB1"), name="未报到者")
    dual = client_for("clerk1").get("/members/dual-registration/")
    assert [row["pk"] for row in dual.context["rows"]] == [org("CT01-ZB1").pk]
    assert "未报到者" in dual.content.decode()


@pytest.mark.parametrize("username", ["clerk1", "supervisor"])
def test_dual_registration_queries_do_not_grow(client_for, org, username: str) -> None:
    client = client_for(username)
    make_member(org("CT01-ZB1"), name="起始")
    with assert_queries(8, label=username) as before:
        client.get("/members/dual-registration/")
    for i in range(30):
        make_member(org("CT01-ZB1" if i % 2 else "JT01-ZB1"), name=f"增加{i}")
    with assert_queries(before.count, label=username):
        client.get("/members/dual-registration/")


def test_a_grant_that_stops_at_its_node_counts_what_it_can_list(client_for, org) -> None:
    """An account seeing a 党委 but not the branches below it: the button counted the subtree's
    members (the structure check's figure) while the list it opened showed none."""
    from dangjian.accounts.models import Grant
    from dangjian.accounts.tests.factories import make_account
    from dangjian.core.permissions import Role
    from dangjian.testkit.clients import login

    committee = org("CT01-DW")
    narrow = make_account("narrow_supervisor", role=Role.SUPERVISOR, node=committee)
    Grant.objects.filter(user=narrow).update(include_descendants=False)
    client = login(Client(), narrow)
    page = client.get(f"/orgs/{committee.pk}/").content.decode()
    button = ROSTER_BUTTON.search(page)
    assert button is not None
    assert int(button.group(1)) == _list_total(client, f"?org={committee.pk}") == 0
    wide = ROSTER_BUTTON.search(
        client_for("supervisor").get(f"/orgs/{committee.pk}/").content.decode()
    )
    assert wide is not None and int(wide.group(1)) > 0
