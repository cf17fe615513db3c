"""The searchable pickers' JSON searches: organisations where the user may act, members the user
may see; nothing from outside the scope, a role without the action refused, constant queries;
and the member move form choosing its branch through the organisation search."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangjian.members.models import Member
from dangjian.members.tests.factories import make_member
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode
from dangjian.testkit.queries import assert_queries

pytestmark = pytest.mark.django_db


def _values(client: Client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200
    return [row["value"] for row in response.json()["results"]]


def test_the_org_search_answers_only_branches_in_scope_for_the_action(
    org: Any, client_for: Any
) -> None:
    found = _values(client_for("secretary1"), "/orgs/pick/?for=member.add&kind=branch")
    assert found == [org("CT01-ZB1").pk]  # her branch, and no other
    county = _values(client_for("supervisor"), "/orgs/pick/?for=member.add&kind=branch&q=JT01")
    branches = OrgNode.objects.filter(kind=OrgKind.BRANCH, code__icontains="JT01")
    assert county and set(county) <= set(branches.values_list("pk", flat=True))
    assert _values(client_for("supervisor"), "/orgs/pick/?kind=nonsense") == []


def test_the_member_search_stays_in_scope_and_shows_no_id(org: Any, client_for: Any) -> None:
    inside = make_member(org("CT01-ZB1"), name="甲选人")
    outside = make_member(org("JT01-ZB1"), name="甲选人")
    client = client_for("secretary1")
    response = client.get("/members/pick/", {"q": "甲选"})
    assert [r["value"] for r in response.json()["results"]] == [inside.pk]
    assert inside.id_number_masked not in response.content.decode()
    assert _values(client, f"/members/pick/?q=甲选&org={org('JT01-ZB1').pk}") == []
    assert set(_values(client_for("supervisor"), "/members/pick/?q=甲选")) == {
        inside.pk,
        outside.pk,
    }


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/orgs/pick/?for=member.add&kind=branch&q=支部", 4),
        ("/members/pick/?q=党员", 4),
    ],
)
def test_the_searches_run_a_constant_number_of_queries(
    client_for: Any, url: str, queries: int
) -> None:
    client = client_for("supervisor")
    with assert_queries(queries, label=url):
        assert client.get(url).status_code == 200
    for index in range(30):  # more rows than one answer holds
        make_member(OrgNode.objects.get(code="CT01-ZB1"), name=f"党员多{index}")
    with assert_queries(queries, label=url):
        assert client.get(url).status_code == 200


def test_the_move_form_takes_a_branch_from_the_search(org: Any, client_for: Any) -> None:
    member = make_member(org("CT01-ZB1"), name="待转移")
    client = client_for("supervisor")
    url = f"/members/{member.pk}/do/move/"
    page = client.get(url).content.decode()
    assert 'data-picker="remote"' in page and "/orgs/pick/?for=member.add&amp;kind=branch" in page
    assert "tom-select.complete.min.js" in page
    target = org("CT01-ZB2")
    response = client.post(url, {"to_org": target.pk, "on": "2026-01-05"})
    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).org_id == target.pk


def test_the_move_form_refuses_a_branch_out_of_scope(org: Any, client_for: Any) -> None:
    member = make_member(org("CT01-ZB1"), name="留在原地")
    client = client_for("secretary1")
    outside = org("JT01-ZB1")
    response = client.post(
        f"/members/{member.pk}/do/move/", {"to_org": outside.pk, "on": "2026-01-05"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["to_org"] == ["所选党支部不存在或不在您的授权范围内"]
    assert outside.name not in response.content.decode()  # not even its name comes back
    assert Member.objects.get(pk=member.pk).org_id == org("CT01-ZB1").pk


def test_pages_without_a_picker_do_not_load_tom_select(org: Any, client_for: Any) -> None:
    member = make_member(org("CT01-ZB1"), name="无选择器")
    page = client_for("secretary1").get(f"/members/{member.pk}/do/lost-contact/").content.decode()
    assert "tom-select" not in page


def test_the_grant_form_chooses_its_node_by_name_and_posts_the_code(
    org: Any, client_for: Any
) -> None:
    client = client_for("sysadmin")
    found = client.get("/orgs/pick/", {"value": "code", "q": "CT01-ZB1"}).json()["results"]
    assert found and all(isinstance(row["value"], str) for row in found)
    assert "CT01-ZB1" in [row["value"] for row in found]
    from dangjian.accounts.models import User

    target = User.objects.get(username="member1")
    page = client.get(f"/accounts/users/{target.pk}/grants/new/").content.decode()
    assert 'data-picker="remote"' in page and "/orgs/pick/?value=code" in page
