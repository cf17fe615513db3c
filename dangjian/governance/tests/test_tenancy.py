"""The shared tenancy contract applied to committee and leadership pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from dangjian.accounts.tests.factories import make_account
from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.governance import services
from dangjian.governance.models import CommitteeSeat, CommitteeTerm, EnterpriseLeader
from dangjian.members.models import Member, TransferIn
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import OrgNode
from dangjian.orgs.tests.factories import make_party_org
from dangjian.testkit.tenancy import TenancyContract


class TestElectionPageTenancy(TenancyContract):
    covers = ("governance:election",)
    allowed_username = "secretary1"
    audit_action = "governance.term.elect"

    def inside(self) -> OrgNode:
        return OrgNode.objects.get(code="CT01-ZB1")

    def outside(self) -> OrgNode:
        return OrgNode.objects.get(code="JT01-ZB1")

    def read_url(self, obj: OrgNode) -> str:
        return f"/governance/org/{obj.pk}/election/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(self.read_url(obj), {"elected_on": date(2026, 11, 2).isoformat()})

    def snapshot(self, obj: OrgNode) -> Any:
        return list(CommitteeTerm.objects.filter(org=obj).values_list("elected_on", flat=True))


class TestLeaderPageTenancy(TenancyContract):
    covers = ("governance:leader",)
    allowed_username = "ct01_clerk"
    audit_action = "governance.leader.set"

    @pytest.fixture(autouse=True)
    def _enterprise_clerk(self, db: Any) -> None:
        from dangjian.accounts.services import create_account, grant_role

        user, _ = create_account(
            actor=SystemActor("tests"),
            username="ct01_clerk",
            full_name="企业党务",
            password="Clerk-Passw0rd!",
            must_change_password=False,
        )
        grant_role(
            actor=SystemActor("tests"),
            user=user,
            role="clerk",
            node=OrgNode.objects.get(code="CT01"),
        )

    def inside(self) -> OrgNode:
        return OrgNode.objects.get(code="CT01")

    def outside(self) -> OrgNode:
        return OrgNode.objects.get(code="JT01")

    def read_url(self, obj: OrgNode) -> str:
        return f"/governance/org/{obj.pk}/leader/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(
            self.read_url(obj),
            {"position": "chairman", "person_name": "新任", "since": "2026-11-01"},
        )

    def snapshot(self, obj: OrgNode) -> Any:
        return list(EnterpriseLeader.objects.filter(org=obj).values_list("person_name", "ended_on"))


class TestTransferInDecisionTenancy(TenancyContract):
    covers = ("members:transfer_in_decide",)
    allowed_username = "secretary1"
    audit_action = "members.transfer_in.reject"

    def _incoming(self, code: str) -> TransferIn:
        from dangjian.members import movements
        from dangjian.members.tests.helpers import new_id

        return movements.receive_transfer_in(
            actor=SystemActor("tests"),
            org=OrgNode.objects.get(code=code),
            name="转入者",
            id_number=new_id(),
            from_org="外县",
            letter_no="L-1",
            received_on=date(2026, 11, 1),
            admitted_on=date(2015, 6, 1),
            full_on=date(2016, 6, 1),
        )

    def inside(self) -> TransferIn:
        found = TransferIn.objects.filter(org__code="CT01-ZB1").first()
        return found or self._incoming("CT01-ZB1")

    def outside(self) -> TransferIn:
        found = TransferIn.objects.filter(org__code="JT01-ZB1").first()
        return found or self._incoming("JT01-ZB1")

    def read_url(self, obj: TransferIn) -> str:
        return f"/members/transfers/in/{obj.pk}/reject/"

    def write(self, client: Client, obj: TransferIn) -> Any:
        return client.post(self.read_url(obj), {"reason": "材料不全"})

    def snapshot(self, obj: TransferIn) -> Any:
        return TransferIn.objects.get(pk=obj.pk).status


UNSCOPED_URLS = {
    "governance:unity": "county list of enterprises read through visible_to; tested in "
    "test_services.py (unity gaps)",
}


class TermContractBase(TenancyContract):
    """Two fresh branches from the factories (no demo codes, no earlier terms), each with a term
    elected in 2024 for three years (due 2027-01-01) and one member; the clerk holds the first."""

    allowed_username = "term_clerk"

    @pytest.fixture(autouse=True)
    def _terms(self, db: Any) -> None:
        self.branches = [make_party_org(), make_party_org()]
        make_account("term_clerk", role="clerk", node=self.branches[0])
        for branch in self.branches:
            services.record_election(
                actor=SystemActor("tests"), org=branch, elected_on=date(2024, 1, 1), term_years=3
            )
            make_member(branch, name=f"委员{branch.code}")

    def _term(self, branch: OrgNode) -> CommitteeTerm:
        return CommitteeTerm.objects.get(org=branch, ended_on__isnull=True)

    def inside(self) -> Any:
        return self._term(self.branches[0])

    def outside(self) -> Any:
        return self._term(self.branches[1])


class TestTermExtendTenancy(TermContractBase):
    covers = ("governance:extend",)
    audit_action = "governance.term.extend"

    def read_url(self, obj: CommitteeTerm) -> str:
        return f"/governance/term/{obj.pk}/extend/"

    def write(self, client: Client, obj: CommitteeTerm) -> Any:
        return client.post(
            self.read_url(obj),
            {"extended_until": "2027-06-30", "approval_ref": "上级批复〔2026〕1号"},
        )

    def snapshot(self, obj: CommitteeTerm) -> Any:
        return CommitteeTerm.objects.get(pk=obj.pk).extended_until


class TestSeatAssignTenancy(TermContractBase):
    covers = ("governance:seat",)
    audit_action = "governance.seat.assign"

    def read_url(self, obj: CommitteeTerm) -> str:
        return f"/governance/term/{obj.pk}/seat/"

    def write(self, client: Client, obj: CommitteeTerm) -> Any:
        member = Member.objects.get(org=obj.org, name=f"委员{obj.org.code}")
        return client.post(
            self.read_url(obj),
            {"post": "organisation", "member": str(member.pk), "assigned_on": "2024-01-01"},
        )

    def snapshot(self, obj: CommitteeTerm) -> Any:
        return list(CommitteeSeat.objects.filter(term=obj).values_list("post", "member_id"))


class SeatedTermBase(TermContractBase):
    """The same two terms, each with its member seated as 组织委员."""

    def _seat(self, term: CommitteeTerm) -> CommitteeSeat | None:
        member = Member.objects.get(org=term.org, name=f"委员{term.org.code}")
        return CommitteeSeat.objects.filter(term=term, member=member).first()

    def inside(self) -> Any:
        term = super().inside()
        if self._seat(term) is None:
            member = Member.objects.get(org=term.org, name=f"委员{term.org.code}")
            services.assign_seat(
                term,
                actor=SystemActor("tests"),
                post="organisation",
                member=member,
                assigned_on=date(2024, 1, 1),
            )
        return term

    def outside(self) -> Any:
        term = super().outside()
        if self._seat(term) is None:
            member = Member.objects.get(org=term.org, name=f"委员{term.org.code}")
            services.assign_seat(
                term,
                actor=SystemActor("tests"),
                post="organisation",
                member=member,
                assigned_on=date(2024, 1, 1),
            )
        return term


class TestSeatRemoveTenancy(SeatedTermBase):
    covers = ("orgs:detail", "governance:seat_remove")
    audit_action = "governance.seat.remove"

    def read_url(self, obj: CommitteeTerm) -> str:
        return f"/orgs/{obj.org_id}/"

    def write(self, client: Client, obj: CommitteeTerm) -> Any:
        seat = self._seat(obj)
        assert seat is not None
        return client.post(
            f"/governance/seat/{seat.pk}/remove/",
            {"on": clock.today().isoformat(), "confirm": "on"},
        )

    def snapshot(self, obj: CommitteeTerm) -> Any:
        return CommitteeSeat.objects.filter(term=obj).count()


class TestSeatUpperTenancy(SeatedTermBase):
    """The write records the upper organisation's 备案 on the seat."""

    covers = ("governance:seat_upper",)
    audit_action = "governance.seat.upper"

    def read_url(self, obj: CommitteeTerm) -> str:
        seat = self._seat(obj)
        assert seat is not None
        return f"/governance/seat/{seat.pk}/upper/"

    def write(self, client: Client, obj: CommitteeTerm) -> Any:
        return client.post(
            self.read_url(obj), {"upper_ref": "上级组〔2024〕5号", "upper_on": "2024-02-01"}
        )

    def snapshot(self, obj: CommitteeTerm) -> Any:
        return list(CommitteeSeat.objects.filter(term=obj).values_list("upper_ref", "upper_on"))


class TestUnityExceptionTenancy(TenancyContract):
    covers = ("governance:unity_exception",)
    allowed_username = "ct01_clerk"
    audit_action = "governance.unity_exception.record"

    @pytest.fixture(autouse=True)
    def _enterprise_clerk(self, db: Any) -> None:
        make_account("ct01_clerk", role="clerk", node=OrgNode.objects.get(code="CT01"))

    def inside(self) -> OrgNode:
        return OrgNode.objects.get(code="CT01")

    def outside(self) -> OrgNode:
        return OrgNode.objects.get(code="JT01")

    def read_url(self, obj: OrgNode) -> str:
        return f"/governance/org/{obj.pk}/unity-exception/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(
            self.read_url(obj), {"reason": "董事长由上级委派，书记专职", "on": "2026-11-01"}
        )

    def snapshot(self, obj: OrgNode) -> Any:
        return AuditEntry.objects.filter(action=self.audit_action, org_path=obj.path).count()


class TestStructureReportTenancy(TenancyContract):
    covers = ("governance:structure_report",)
    allowed_username = "secretary1"
    audit_action = None  # read only

    def inside(self) -> OrgNode:
        return OrgNode.objects.get(code="CT01-ZB1")

    def outside(self) -> OrgNode:
        return OrgNode.objects.get(code="JT01-ZB1")

    def read_url(self, obj: OrgNode) -> str:
        return f"/governance/org/{obj.pk}/structure-report/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return None
