"""The tree page: member counts and structure flags on each node (counted from the records,
linked to them), expand all for a subtree, and a search hit opened and highlighted."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dangjian.core.scoping import subtree_q
from dangjian.members.choices import IN_SERVICE
from dangjian.members.models import Member
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import OrgNode
from dangjian.orgs.tests.factories import make_party_org

pytestmark = pytest.mark.django_db


def _node_html(body: str, pk: int) -> str:
    """The node's own line: from its <li> to its child list (or its end)."""
    start = body.index(f'id="node-{pk}"')
    end = body.find("<ul", start)
    return body[start : end if end != -1 else len(body)]


def _flag_count(body: str, pk: int) -> int:
    found = re.search(r">(\d+)个组织设置问题<", _node_html(body, pk))
    return int(found.group(1)) if found else 0


def test_each_node_counts_its_members_in_service_and_links_them(org: Any, client_for: Any) -> None:
    body = client_for("supervisor").get("/orgs/").content.decode()
    root = org("XC")
    line = _node_html(body, root.pk)
    in_service = Member.objects.filter(
        subtree_q("org__path", root.path), status__in=IN_SERVICE
    ).count()
    assert in_service > 0
    assert f'href="/members/?org={root.pk}"' in line and f">{in_service}名党员<" in line


def test_a_branch_short_of_full_members_is_flagged_up_the_tree(org: Any, client_for: Any) -> None:
    parent = org("CT01-DW")
    client = client_for("supervisor")
    before = _flag_count(client.get("/orgs/").content.decode(), org("XC").pk)
    branch = make_party_org(parent, name="新设测试支部")
    make_member(branch, name="唯一党员")
    opened = client.get(f"/orgs/{parent.pk}/children/?all=1").content.decode()
    line = _node_html(opened, branch.pk)
    assert "1名党员" in line
    assert "1个组织设置问题" in line and "text-bg-danger" in line
    assert f'href="/orgs/{branch.pk}/"' in line  # the one organisation, where its findings are
    assert _flag_count(client.get("/orgs/").content.decode(), org("XC").pk) == before + 1


def test_expand_all_opens_every_visible_node_below(org: Any, client_for: Any) -> None:
    top = org("CT01")
    body = client_for("supervisor").get(f"/orgs/{top.pk}/children/?all=1").content.decode()
    below = OrgNode.objects.filter(path__startswith=top.path, depth__gt=top.depth)
    assert sorted(map(int, re.findall(r'id="node-(\d+)"', body))) == sorted(
        below.values_list("pk", flat=True)
    )


def test_search_offers_the_tree_opened_at_the_hit(org: Any, client_for: Any) -> None:
    hit = org("CT01-ZB1")
    client = client_for("supervisor")
    results = client.get("/orgs/", {"q": "第一支部"}).content.decode()
    assert f"/orgs/?open={hit.pk}#node-{hit.pk}" in results
    body = client.get("/orgs/", {"open": hit.pk}).content.decode()
    assert f'class="tree-node tree-hit" id="node-{hit.pk}"' in body
    for ancestor in OrgNode.objects.get_ancestors(hit):
        assert f'id="kids-{ancestor.pk}" data-loaded="1"' in body


def test_a_node_out_of_scope_is_not_opened(org: Any, client_for: Any) -> None:
    outside = org("XC")  # the county root, above the secretary's branch
    body = client_for("secretary1").get("/orgs/", {"open": outside.pk}).content.decode()
    assert "tree-hit" not in body and f'id="node-{outside.pk}"' not in body
