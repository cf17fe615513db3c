"""The workbench home per role, from the demo county's records: what each account sees, that
every figure links to the rows it counts, and the done-when walks (clerk1 acts from home; the
supervisor fixes a problem from the list)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dangjian.core import clock
from dangjian.core.problems import collect_problems
from dangjian.testkit.queries import capture_queries

pytestmark = pytest.mark.django_db


def _cards(html: str) -> dict[str, tuple[str, int]]:
    """kind code → (link, figure) of the home's problem cards."""
    found = re.findall(
        r'<a class="card stat-card[^"]*" href="([^"]+)" data-kind="([^"]+)">.*?fs-3[^>]*>(\d+)<',
        html,
        flags=re.S,
    )
    return {kind: (url.replace("&amp;", "&"), int(n)) for url, kind, n in found}


def test_branch_home_shows_what_to_do_now_each_figure_linking_to_its_rows(client_for, user) -> None:
    client = client_for("clerk1")
    html = client.get("/").content.decode()
    cards = _cards(html)
    rows = collect_problems(user("clerk1"), clock.today())
    assert cards, "the demo branch has open items"
    for kind, (url, n) in cards.items():
        assert n == sum(1 for r in rows if r.kind == kind)
        listed = client.get(url).context["page"].paginator.count
        assert listed == n, (kind, url)
    # Members waiting: the demo gives the branch a letter, a lost-contact case and a probationer.
    assert {"M-letter-expiring", "R2-lost-contact-review", "M-probation-due"} <= set(cards)
    # A branch's scope holds no enterprise: no enterprise cards, no operating-status table.
    assert "企业经营状态" not in html and 'data-kind="enterprise"' not in html
    assert "党员队伍结构" in html and 'id="age-chart"' in html


def test_clerk1_prepares_the_election_from_home_and_the_item_goes(client_for, org) -> None:
    client = client_for("clerk1")
    branch = org("CT01-ZB1")
    html = client.get("/").content.decode()
    # The demo's term (January 2024, three years) is due from late 2026 and overdue from 2027.
    assert {"O5-term-due", "O5-term-overdue"} & set(_cards(html))
    election = f"/governance/org/{branch.pk}/election/"
    assert election in html  # the item links to the place where it is done
    response = client.post(election, {"elected_on": clock.today() - timedelta(days=1)})
    assert response.status_code == 302
    after = _cards(client.get("/").content.decode())
    assert "O5-term-due" not in after and "O5-term-overdue" not in after


def test_supervisor_fixes_a_split_leadership_from_the_list(client_for, org) -> None:
    client = client_for("supervisor")
    page = client.get("/dashboard/problems/?kind=unity-gap")
    rows = list(page.context["page"])
    assert rows, "the demo county has enterprises with 书记、董事长分设 and no reason"
    target = rows[0].problem
    fix = client.get(target.url)
    assert fix.status_code == 200
    done = client.post(
        target.url,
        {"reason": "董事长由上级企业领导兼任", "approval_ref": "", "on": clock.today()},
    )
    assert done.status_code == 302
    left = list(client.get("/dashboard/problems/?kind=unity-gap").context["page"])
    assert target.org_id not in {r.problem.org_id for r in left}
    assert len(left) == len(rows) - 1


def test_supervisor_home_is_the_county_alert_list_with_charts(client_for) -> None:
    html = client_for("supervisor").get("/").content.decode()
    assert "全县问题与预警" in html
    assert 'id="problem-group-chart"' in html and 'id="problem-enterprise-chart"' in html
    assert "/dashboard/problems/?group=" in html and "/dashboard/problems/?enterprise=" in html


def test_enterprise_leader_sees_their_enterprise(client_for, org) -> None:
    client = client_for("executive1")
    html = client.get("/").content.decode()
    enterprise = org("CT01")
    assert "现在要办" in html and enterprise.name in html
    rows = client.get("/dashboard/problems/").context["page"]
    assert all(r.problem.org_path.startswith(enterprise.path) for r in rows)


def test_member_sees_their_own_corner_and_no_problem_cards(client_for) -> None:
    html = client_for("member1").get("/").content.decode()
    assert "我的党员信息" in html
    assert "现在要办" not in html and "全县问题与预警" not in html


def test_branch_home_keeps_its_query_count_as_the_branch_fills(client_for, org) -> None:
    from dangjian.members.tests.factories import make_member

    client = client_for("clerk1")
    with capture_queries() as first:
        client.get("/")
    for i in range(5):
        make_member(org("CT01-ZB1"), name=f"新党员{i}")
    with capture_queries() as second:
        client.get("/")
    assert second.count == first.count, second.listing()


@pytest.mark.parametrize("chart", ["age-chart-data", "education-chart-data"])
def test_member_structure_bars_open_the_members_they_count(client_for, chart) -> None:
    import json

    client = client_for("supervisor")
    html = client.get("/").content.decode()
    found = re.search(rf'<script id="{chart}" type="application/json">(.*?)</script>', html)
    assert found is not None
    data = json.loads(found.group(1))
    checked = 0
    for series in data["series"]:
        for value, url in zip(series["values"], series["urls"], strict=True):
            listed = client.get(url).context["page"].paginator.count
            assert listed == value, (url, value, listed)
            checked += value
    assert checked > 0
