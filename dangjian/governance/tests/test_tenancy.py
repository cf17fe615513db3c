"""The shared tenancy contract applied to committee and leadership pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from dangjian.core.testing.tenancy import TenancyContract
from dangjian.governance.models import CommitteeTerm, EnterpriseLeader
from dangjian.members.models import TransferIn
from dangjian.orgs.models import OrgNode


class TestElectionPageTenancy(TenancyContract):
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
    allowed_username = "ct01_clerk"
    audit_action = "governance.leader.set"

    @pytest.fixture(autouse=True)
    def _enterprise_clerk(self, db: Any) -> None:
        from dangjian.accounts.services import create_account, grant_role

        user, _ = create_account(
            actor=None,
            username="ct01_clerk",
            full_name="企业党务",
            password="Clerk-Passw0rd!",
            must_change_password=False,
        )
        grant_role(actor=None, user=user, role="clerk", node=OrgNode.objects.get(code="CT01"))

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
    allowed_username = "secretary1"
    audit_action = "members.transfer_in.reject"

    def _incoming(self, code: str) -> TransferIn:
        from dangjian.members import movements
        from dangjian.members.tests.helpers import new_id

        return movements.receive_transfer_in(
            actor=None,
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
