"""The demo county follows its own rules: kinds fit sizes or carry an approval, and names follow
the usual pattern."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dangjian.governance import services
from dangjian.governance.models import CommitteeTerm
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.hierarchy import upper_party_org_of
from dangjian.orgs.models import OrgNode, SetupApproval

pytestmark = pytest.mark.django_db


def test_no_kind_size_warning_and_every_approval_names_the_upper_org(org) -> None:
    today = timezone.localdate()
    kinds = (OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH)
    checked = OrgNode.objects.filter(kind__in=kinds, code__regex=r"^(XC|CT|JT|NL)")
    assert checked.count() == 10  # the 国资中心, 3 groups and 3 enterprises have a 党委; 3 总支
    for node in checked:
        codes = [f.code for f in services.structure_findings(node, today=today)]
        assert not [c for c in codes if c.startswith("O10")], (node.code, codes)
    approvals = SetupApproval.objects.select_related("org")
    assert approvals.count() == 9  # all but the 国资中心's 党委 (more than 100 members)
    for approval in approvals:
        upper = upper_party_org_of(approval.org)
        assert upper is not None and approval.approving_body == upper.name
        assert approval.kind == approval.org.kind and approval.approval_ref.endswith("号")
    assert not SetupApproval.objects.filter(org=org("XC-DW")).exists()


def test_branch_names_say_committee_only_where_one_sits(org) -> None:
    branches = OrgNode.objects.filter(kind=OrgKind.BRANCH, code__regex=r"^(CT|JT|NL)\d\d-")
    assert branches.count() == 26
    for branch in branches:
        term = CommitteeTerm.objects.filter(org=branch, ended_on__isnull=True).first()
        seated = term.seats.values("member").distinct().count() if term else 0
        enterprise = OrgNode.objects.get_ancestors(branch).filter(kind=OrgKind.ENTERPRISE).last()
        assert enterprise is not None
        assert branch.name.startswith(f"中共{enterprise.name}"), branch.name
        assert branch.name.endswith("支部委员会") is (seated >= 3), (branch.name, seated)
        assert branch.name.endswith("支部") or branch.name.endswith("支部委员会")


def test_committee_names_follow_the_pattern(org) -> None:
    assert org("XC-DW").name == "中共X县国有资产管理服务中心委员会"
    assert org("CT-DW").name == "中共X县城市建设投资集团有限公司委员会"
    assert org("CT01-DW").name == "中共X县城市建设开发有限公司委员会"
    assert org("CT01-ZZ").name == "中共X县城市建设开发有限公司运营总支部委员会"
    assert org("CT01-ZZ-ZB1").name.startswith("中共X县城市建设开发有限公司运营第一支部")
