"""The Party hierarchy: each Party organisation's 上级党组织, derived from the tree."""

from __future__ import annotations

import pytest

from dangjian.core.actors import SystemActor
from dangjian.demo.builder import make_credit_code
from dangjian.orgs import services
from dangjian.orgs.choices import OperatingStatus, OrgKind, Ownership
from dangjian.orgs.hierarchy import size_scope, upper_party_org_of
from dangjian.orgs.rules import TreeRef, entity_party_org, upper_party_org
from dangjian.orgs.tests.factories import make_party_org

TESTS = SystemActor("tests")
S, G, E = OrgKind.SUPERVISOR, OrgKind.GROUP, OrgKind.ENTERPRISE
DW, ZZ, ZB, XZ = (
    OrgKind.PARTY_COMMITTEE,
    OrgKind.GENERAL_BRANCH,
    OrgKind.BRANCH,
    OrgKind.PARTY_GROUP,
)

# A small county as plain refs: 国资中心 1 with its 党委 2; 集团 3 with its 党委 4; 企业 5 in
# the group with a lone branch 6; 企业 7 with a 党委 8, a 总支 9 in it holding branch 10, and a
# branch 11 beside the 党委; 企业 12 straight under the 国资中心 with branch 13; a 党小组 14 in
# branch 6; branch 15 directly in the 国资中心's 党委; sub-enterprise 16 of 企业 5 with branch 17.
TREE = [
    TreeRef(1, S, None),
    TreeRef(2, DW, 1),
    TreeRef(3, G, 1),
    TreeRef(4, DW, 3),
    TreeRef(5, E, 3),
    TreeRef(6, ZB, 5),
    TreeRef(7, E, 3),
    TreeRef(8, DW, 7),
    TreeRef(9, ZZ, 8),
    TreeRef(10, ZB, 9),
    TreeRef(11, ZB, 7),
    TreeRef(12, E, 1),
    TreeRef(13, ZB, 12),
    TreeRef(14, XZ, 6),
    TreeRef(15, ZB, 2),
    TreeRef(16, E, 5),
    TreeRef(17, ZB, 16),
]
BY_PK = {n.pk: n for n in TREE}


@pytest.mark.parametrize(
    ("node", "upper"),
    [
        (6, 4),  # branch of an enterprise → the group's 党委
        (8, 4),  # an enterprise's 党委 → the group's 党委
        (4, 2),  # the group's 党委 → the 国资中心's 党委
        (2, None),  # the top of the platform's Party tree
        (9, 8),  # 总支 inside the enterprise's 党委
        (10, 9),  # branch inside the 总支
        (11, 8),  # branch beside the enterprise's 党委 → that 党委
        (13, 2),  # enterprise straight under the 国资中心
        (14, 6),  # a 党小组 belongs to its branch
        (15, 2),  # branch directly in the 国资中心's 党委
        (17, 6),  # sub-enterprise → the parent enterprise's branch
        (5, None),  # an enterprise is not a Party organisation
    ],
)
def test_upper_party_org_over_the_ancestor_chain(node: int, upper: int | None) -> None:
    assert upper_party_org(BY_PK[node], TREE) == upper


def test_a_dissolved_committee_is_skipped_for_the_next_one_up() -> None:
    tree = [n if n.pk != 4 else TreeRef(4, DW, 3, dissolved=True) for n in TREE]
    assert upper_party_org(BY_PK[6], tree) == 2


def test_the_unit_party_org_is_the_highest_ranked_child() -> None:
    children = [TreeRef(20, ZB, 7), TreeRef(21, DW, 7), TreeRef(22, ZZ, 7)]
    assert entity_party_org(children) == TreeRef(21, DW, 7)
    assert entity_party_org([TreeRef(23, E, 7)]) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "upper"),
    [
        ("CT02-ZB1", "CT-DW"),  # branch under enterprise under group under 国资中心
        ("CT01-ZB1", "CT01-DW"),
        ("CT01-ZZ-ZB1", "CT01-ZZ"),
        ("CT01-ZZ", "CT01-DW"),
        ("CT01-DW", "CT-DW"),
        ("CT-DW", "XC-DW"),
        ("CT01-ZB1-XZ1", "CT01-ZB1"),
        ("XC-DW", None),
    ],
)
def test_upper_party_org_in_the_demo_county(org, code: str, upper: str | None) -> None:
    found = upper_party_org_of(org(code))
    assert (found.code if found else None) == upper


@pytest.mark.django_db
def test_branch_directly_under_the_supervisors_committee(org) -> None:
    branch = make_party_org(org("XC-DW"))
    assert upper_party_org_of(branch) == org("XC-DW")
    enterprise = services.create_org(
        actor=TESTS,
        parent=org("XC"),
        kind=OrgKind.ENTERPRISE,
        code="XC-E99",
        name="X县直属测试有限公司",
        enterprise=services.EnterpriseFacts(
            credit_code=make_credit_code(9_999),
            ownership=Ownership.WHOLLY_OWNED,
            operating_status=OperatingStatus.NORMAL,
        ),
    )
    own = make_party_org(enterprise)
    assert upper_party_org_of(own) == org("XC-DW")


@pytest.mark.django_db
def test_a_units_party_org_counts_the_whole_unit(org) -> None:
    # A group's 党委 sits beside the enterprises it leads; an enterprise's 党委 holds its own.
    assert size_scope(org("CT-DW")) == org("CT")
    assert size_scope(org("XC-DW")) == org("XC")
    assert size_scope(org("CT01-DW")) == org("CT01")
    assert size_scope(org("CT01-ZZ")) == org("CT01-ZZ")


@pytest.mark.django_db
def test_org_page_names_the_upper_party_org(client_for, org) -> None:
    page = client_for("supervisor").get(f"/orgs/{org('CT02-ZB1').pk}/").content.decode()
    assert "上级党组织" in page and org("CT-DW").name in page
    top = client_for("supervisor").get(f"/orgs/{org('XC-DW').pk}/").content.decode()
    assert "上级党组织不在本平台内" in top
    enterprise = client_for("supervisor").get(f"/orgs/{org('CT02').pk}/").content.decode()
    assert "上级党组织" not in enterprise


@pytest.mark.django_db
def test_upper_party_org_shown_by_name_when_outside_the_readers_scope(client_for, org) -> None:
    # secretary1 holds CT01-ZB1 only: CT01-DW is named, not linked.
    page = client_for("secretary1").get(f"/orgs/{org('CT01-ZB1').pk}/").content.decode()
    assert org("CT01-DW").name in page
    assert f'href="/orgs/{org("CT01-DW").pk}/"' not in page
