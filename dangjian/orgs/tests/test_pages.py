"""Org pages: the tree search keeps its query in page links; 三员 accounts see the tree, not its
committees."""

from __future__ import annotations

import pytest

from dangjian.orgs.tests.factories import a_party_committee

pytestmark = pytest.mark.django_db


def test_tree_search_page_links_carry_the_query_url_encoded(client_for) -> None:
    response = client_for("supervisor").get("/orgs/", {"q": "党 & 支部#1"})
    assert response.status_code == 200
    assert response.context["query"] == "q=%E5%85%9A+%26+%E6%94%AF%E9%83%A8%231"


def test_system_administrator_sees_the_node_but_not_its_committee(client_for) -> None:
    node = a_party_committee()
    admin_body = client_for("sysadmin").get(f"/orgs/{node.pk}/").content.decode()
    keeper_body = client_for("supervisor").get(f"/orgs/{node.pk}/").content.decode()
    assert node.name in admin_body
    assert "委员会与党员" in keeper_body
    assert "委员会与党员" not in admin_body and "组织设置检查" not in admin_body
