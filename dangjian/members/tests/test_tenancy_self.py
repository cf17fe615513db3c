"""Tenancy of 我的党员信息 (the linked record only) and of the branch's decision on a report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest
from django.test import Client

from dangjian.accounts.models import User
from dangjian.accounts.tests.factories import make_account
from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.members import selfreport
from dangjian.members.models import CommunityReport, Member
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import OrgNode
from dangjian.testkit.tenancy import TenancyContract

TESTS = SystemActor("tests")

UNSCOPED_URLS = {
    "members:mine": "a redirect to the signed-in account's own record page (members:self, "
    "covered below); no object in the URL, 404 without a linked record (test_self_service)",
}


def _report_for(member: Member, account: User) -> CommunityReport:
    return selfreport.submit_report(
        actor=account,
        community="城南社区",
        reported_on=clock.today() - timedelta(days=1),
        today=clock.today(),
        now=clock.now(),
    )


class TestOwnRecordTenancy(TenancyContract):
    """Only the record linked to the account: any other member's page is a 404, audited."""

    covers = ("members:self",)
    allowed_username = "member1"
    audit_action = "members.community_report.submit"
    no_role_status = 404  # an account without a linked record owns no record page

    def inside(self) -> Member:
        return Member.objects.get(account__username="member1")

    def outside(self) -> Member:
        # Another member of the same branch: the link decides, not the tree.
        return make_member(OrgNode.objects.get(code="CT01-ZB1"), name="同支部他人")

    def read_url(self, obj: Member) -> str:
        return f"/members/{obj.pk}/self/"

    def write(self, client: Client, obj: Member) -> Any:
        day = clock.today() - timedelta(days=2)
        return client.post(
            f"/members/{obj.pk}/self/", {"community": "城北社区", "reported_on": day}
        )

    def snapshot(self, obj: Member) -> Any:
        return CommunityReport.objects.filter(member_id=obj.pk).count()


class ReportContractBase(TenancyContract):
    allowed_username = "clerk1"
    audit_action: ClassVar[str | None] = "members.community_report.confirm"

    @pytest.fixture(autouse=True)
    def _reports(self, db: Any) -> None:
        own = Member.objects.get(account__username="member1")
        _report_for(own, User.objects.get(username="member1"))
        far = make_member(OrgNode.objects.get(code="JT01-ZB1"), name="外支部党员")
        account = make_account("far_member")
        selfreport.link_account(far, actor=TESTS, account=account)
        _report_for(far, account)

    def inside(self) -> CommunityReport:
        return CommunityReport.objects.get(member__account__username="member1")

    def outside(self) -> CommunityReport:
        return CommunityReport.objects.get(member__account__username="far_member")

    def snapshot(self, obj: CommunityReport) -> Any:
        fresh = CommunityReport.objects.get(pk=obj.pk)
        return fresh.status, fresh.reason


class TestReportConfirmTenancy(ReportContractBase):
    covers = ("members:community_report_confirm",)

    def read_url(self, obj: CommunityReport) -> str:
        return f"/members/community-reports/{obj.pk}/confirm/"

    def write(self, client: Client, obj: CommunityReport) -> Any:
        return client.post(f"/members/community-reports/{obj.pk}/confirm/")


class TestReportReturnTenancy(ReportContractBase):
    covers = ("members:community_report_return",)
    audit_action = "members.community_report.return"

    def read_url(self, obj: CommunityReport) -> str:
        return f"/members/community-reports/{obj.pk}/return/"

    def write(self, client: Client, obj: CommunityReport) -> Any:
        return client.post(f"/members/community-reports/{obj.pk}/return/", {"reason": "日期有误"})
