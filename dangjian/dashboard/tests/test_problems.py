"""The county problem list: the same findings as the per-organisation checks, at two sizes, in a
constant number of queries, scoped, filtered and exported."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

import pytest
from django.test import Client

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.context import command_context
from dangjian.core.problems import collect_problems, problem_kinds
from dangjian.demo.builder import build_scale
from dangjian.governance import services as governance
from dangjian.governance.choices import CommitteePost
from dangjian.governance.problems import STRUCTURE_KINDS, scope_structure_findings
from dangjian.governance.rules import Finding
from dangjian.governance.services import COMMITTEE_KINDS, structure_findings
from dangjian.members.tests.factories import make_member
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode
from dangjian.testkit.queries import assert_queries, capture_queries

pytestmark = pytest.mark.django_db
TESTS = SystemActor("tests")
STRUCTURE_CODES = {kind.code for kind in STRUCTURE_KINDS}


def _per_org(orgs: object, today: date) -> dict[int, list[Finding]]:
    return {
        node.pk: structure_findings(node, today=today)
        for node in orgs  # type: ignore[attr-defined]
        if node.kind in COMMITTEE_KINDS
    }


def _grow(seed: int = 3) -> None:
    """A larger tree (40 enterprises, each a 党委 with two branches) with a varied mix of
    members, terms and seats, so the generated branches are not all alike."""
    rng = random.Random(seed)  # noqa: S311 — test data, not secrets
    with command_context("tests"):
        build_scale(enterprises=40, groups=2)
        branches = list(OrgNode.objects.filter(code__startswith="SG", kind=OrgKind.BRANCH))
        for branch in branches[:12]:
            size = rng.choice((2, 4, 8))
            made = [make_member(branch) for _ in range(size)]
            if rng.random() < 0.7:
                term = governance.record_election(
                    actor=TESTS,
                    org=branch,
                    elected_on=clock.today() - timedelta(days=rng.randint(30, 1400)),
                )
                for post, member in zip(
                    [CommitteePost.SECRETARY, CommitteePost.ORGANISATION, CommitteePost.DISCIPLINE],
                    made[: rng.choice((1, 3))],
                    strict=False,
                ):
                    governance.assign_seat(
                        term, actor=TESTS, post=post, member=member, assigned_on=term.elected_on
                    )


@pytest.mark.parametrize("grow", [False, True], ids=["demo", "larger"])
def test_county_list_equals_the_union_of_per_org_findings(grow: bool, user: object) -> None:
    if grow:
        _grow()
    today = clock.today()
    orgs = OrgNode.objects.filter(dissolved_on__isnull=True)
    bulk = scope_structure_findings(orgs, today=today)
    assert bulk == _per_org(orgs, today)
    assert sum(len(f) for f in bulk.values()) > 0, "the county shows no structure finding"
    # And through the registry, as the page lists them for the supervisor.
    listed = sorted(
        (p.org_id, p.kind, p.message)
        for p in collect_problems(user("supervisor"), today)  # type: ignore[operator]
        if p.kind in STRUCTURE_CODES
    )
    expected = sorted((pk, f.code, f.message) for pk, found in bulk.items() for f in found)
    assert listed == expected


def test_every_finding_code_is_a_declared_kind() -> None:
    orgs = OrgNode.objects.filter(dissolved_on__isnull=True)
    codes = {
        f.code
        for found in scope_structure_findings(orgs, today=clock.today()).values()
        for f in found
    }
    assert codes <= set(problem_kinds())


def _count(client: Client, url: str) -> int:
    with capture_queries() as log:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return log.count


@pytest.mark.parametrize("url", ["/dashboard/problems/", "/"])
def test_supervisor_pages_keep_their_query_count_as_the_county_grows(
    client_for: object, url: str
) -> None:
    client = client_for("supervisor")  # type: ignore[operator]
    before = _count(client, url)
    _grow()
    with assert_queries(before, label=url):
        response = client.get(url)
    assert response.status_code == 200


def test_a_branch_sees_its_own_problems_only(client_for: object, org: object) -> None:
    branch = org("CT01-ZB1")  # type: ignore[operator]
    response = client_for("secretary1").get("/dashboard/problems/")  # type: ignore[operator]
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert rows, "secretary1's branch has open items in the demo"
    assert all(r.problem.org_path.startswith(branch.path) for r in rows)
    # A branch's scope holds no 集团 or 企业: no such filters, no such columns.
    form = response.context["filterset"]
    assert "group" not in form.fields and "enterprise" not in form.fields


def test_filters_narrow_by_enterprise_kind_and_level(client_for: object, org: object) -> None:
    client = client_for("supervisor")  # type: ignore[operator]
    everything = client.get("/dashboard/problems/").context["total"]
    enterprise = org("JT02")  # type: ignore[operator]
    rows = list(client.get(f"/dashboard/problems/?enterprise={enterprise.pk}").context["page"])
    assert rows and len(rows) < everything
    assert all(r.problem.org_path.startswith(enterprise.path) for r in rows)
    warnings = client.get("/dashboard/problems/?level=warning").context["page"].paginator.count
    errors = client.get("/dashboard/problems/?level=error").context["page"].paginator.count
    infos = client.get("/dashboard/problems/?level=info").context["page"].paginator.count
    assert warnings + errors + infos == everything
    some_kind = rows[0].problem.kind
    kinded = list(client.get(f"/dashboard/problems/?kind={some_kind}&sort=org").context["page"])
    assert kinded and {r.problem.kind for r in kinded} == {some_kind}


def test_a_bad_filter_says_which_field_and_lists_nothing(client_for: object) -> None:
    response = client_for("supervisor").get("/dashboard/problems/?level=nonsense")  # type: ignore[operator]
    assert response.status_code == 200
    assert "级别" in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_export_csv_names_beside_codes(client_for: object) -> None:
    client = client_for("supervisor")  # type: ignore[operator]
    total = client.get("/dashboard/problems/?level=error").context["page"].paginator.count
    response = client.get("/dashboard/problems/export/?format=csv&level=error")
    assert response.status_code == 200
    assert "%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95" in response["Content-Disposition"]  # 问题清单
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["级别", "级别代码", "类型", "类型代码"]
    assert len(rows) - 1 == total
    assert all(r[1] == "error" and r[0] == "不符合" for r in rows[1:])
    xlsx = client.get("/dashboard/problems/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_a_member_account_has_no_problem_list(client_for: object) -> None:
    assert client_for("member1").get("/dashboard/problems/").status_code == 403  # type: ignore[operator]
