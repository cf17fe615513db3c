"""Exact query counts for the organisation pages and API, at two tree sizes.

The same request is measured on the demo county and again after adding two 集团 with 120
enterprises and their Party organisations: the count must be the stated number both times.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from dangjian.core.context import command_context
from dangjian.demo.builder import build_scale, grant_for_benchmark
from dangjian.orgs.models import OrgNode
from dangjian.testkit.queries import assert_queries

pytestmark = pytest.mark.django_db


def _get(client: Client, url: str, queries: int) -> None:
    with assert_queries(queries, label=url):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def _grow() -> None:
    with command_context("tests"):
        build_scale(enterprises=120, groups=2)


def _node(code: str) -> int:
    return OrgNode.objects.get(code=code).pk


# (account, url builder, exact query count). Session, user and grant lookups are included, and
# on full pages the navigation bell's unread count.
CASES: list[tuple[str, Callable[[], str], int]] = [
    # The workbench: every problem source, the member structure and the tree counts.
    ("supervisor", lambda: "/", 24),
    # The tree's marks for all the nodes shown at once: members by branch (one query), and the
    # structure flags' organisations, members, current terms and seats (four).
    ("supervisor", lambda: "/orgs/", 10),
    ("supervisor", lambda: "/orgs/?q=支部", 6),
    ("supervisor", lambda: f"/orgs/{_node('XC')}/children/", 10),
    ("supervisor", lambda: f"/orgs/{_node('CT01')}/children/?all=1", 10),
    ("supervisor", lambda: f"/orgs/{_node('XC')}/children/?all=1", 10),
    # A search hit opened: the hit, then the children of each ancestor in one query.
    ("supervisor", lambda: f"/orgs/?open={_node('CT01-ZB1')}", 12),
    # A branch: its 上级党组织 in one query, beside the committee and member counts.
    # (The demo branch has a current term: its seats are one more query.)
    ("supervisor", lambda: f"/orgs/{_node('CT01-ZB1')}/", 11),
    # A 党委 and a 党总支 add their size (whose members, how many) and the setup approval.
    ("supervisor", lambda: f"/orgs/{_node('CT01-DW')}/", 14),
    ("supervisor", lambda: f"/orgs/{_node('CT01-ZZ')}/", 14),
    ("supervisor", lambda: f"/orgs/{_node('CT-DW')}/", 14),
    # The branch holds a current term now (the demo), so its seats are read too (one query).
    ("secretary1", lambda: "/orgs/", 10),
    ("supervisor", lambda: "/api/orgs/?page_size=100", 5),
    ("supervisor", lambda: "/api/orgs/?search=支部", 5),
    ("supervisor", lambda: f"/api/orgs/?parent={_node('XC')}", 5),
    ("supervisor", lambda: f"/api/orgs/{_node('CT01')}/", 4),
]


@pytest.mark.parametrize(
    ("username", "url", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_query_count_is_exact_and_independent_of_tree_size(
    client_for, username: str, url: Callable[[], str], expected: int
) -> None:
    client = client_for(username)
    _get(client, url(), expected)
    _grow()
    _get(client, url(), expected)


def test_group_scoped_list_query_count_at_two_sizes(client_for) -> None:
    """The benchmark's case: an account granted one 集团 lists its subtree."""
    _grow()
    user = grant_for_benchmark("group_user", "SG01", "Group-Passw0rd!")
    from dangjian.testkit.clients import login

    client = login(Client(), user)
    _get(client, "/api/orgs/?page_size=500", 5)
    assert OrgNode.objects.visible_to(user, "org.view").count() > 200
    user2 = grant_for_benchmark("group_user2", "CT", "Group-Passw0rd!")
    other = login(Client(), user2)
    _get(other, "/api/orgs/?page_size=500", 5)


def test_audit_list_query_count(client_for) -> None:
    client = client_for("auditor")
    # 8: the page first summarises closed windows of repeated denials (one query when none);
    # the navigation bell counts unread notifications (one); the organisations the page's
    # entries and role snapshots name are looked up at once (one).
    _get(client, "/audit/", 9)
    _grow()
    _get(client, "/audit/", 9)
