"""The shared tenancy contract applied to the organisation pages and API."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.test import Client

from dangjian.accounts.tests.factories import make_account
from dangjian.orgs.models import OrgNode
from dangjian.testkit.tenancy import RoleContract, TenancyContract


class OrgContractBase(TenancyContract):
    allowed_username = "secretary1"  # secretary of 党支部 CT01-ZB1
    audit_action: ClassVar[str | None] = "orgs.org.update"

    def inside(self) -> OrgNode:
        return OrgNode.objects.get(code="CT01-ZB1-XZ1")

    def outside(self) -> OrgNode:
        return OrgNode.objects.get(code="JT01-ZB1")

    def snapshot(self, obj: OrgNode) -> Any:
        fresh = OrgNode.objects.get(pk=obj.pk)
        return (fresh.name, fresh.code, fresh.version)


UNSCOPED_URLS = {
    "orgs:tree": "the tree starts at the account's scope roots, read through visible_to; "
    "tested in test_browser_flows.py and test_query_counts.py",
}


class TestOrgPagesTenancy(OrgContractBase):
    covers = ("orgs:detail", "orgs:edit")

    def read_url(self, obj: OrgNode) -> str:
        return f"/orgs/{obj.pk}/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(
            f"/orgs/{obj.pk}/edit/",
            {"code": obj.code, "name": obj.name + "（更名）", "version": obj.version},
        )


class TestOrgApiTenancy(OrgContractBase):
    covers = ("org-detail",)
    api = True

    def read_url(self, obj: OrgNode) -> str:
        return f"/api/orgs/{obj.pk}/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.patch(
            f"/api/orgs/{obj.pk}/",
            {"name": obj.name + "（更名）", "version": obj.version},
            content_type="application/json",
        )


class CreateContractBase(OrgContractBase):
    """Creating under a parent: the parent is what must be in scope."""

    audit_action = "orgs.org.create"

    def inside(self) -> OrgNode:
        return OrgNode.objects.get(code="CT01-ZB1")

    def snapshot(self, obj: OrgNode) -> Any:
        return sorted(OrgNode.objects.filter(parent=obj).values_list("code", flat=True))


class TestOrgCreatePageTenancy(CreateContractBase):
    covers = ("orgs:create",)

    def read_url(self, obj: OrgNode) -> str:
        return f"/orgs/{obj.pk}/add/?kind=party_group"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(
            f"/orgs/{obj.pk}/add/?kind=party_group",
            {"kind": "party_group", "code": f"{obj.code}-NEW", "name": "新建党小组"},
        )


class TestOrgCreateApiTenancy(CreateContractBase):
    covers = ("org-list",)
    api = True
    refused_write_status = 400  # a forged parent id in the payload names the field

    def read_url(self, obj: OrgNode) -> str:
        return f"/api/orgs/{obj.pk}/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        payload = {
            "parent": obj.pk,
            "kind": "party_group",
            "code": f"{obj.code}-NEW",
            "name": "新建党小组",
        }
        response = client.post("/api/orgs/", payload, content_type="application/json")
        if response.status_code == 400:
            assert "不存在或不在您的授权范围内" in response.json()["parent"][0]
        return response


class TestOrgChildrenTenancy(OrgContractBase):
    covers = ("orgs:children",)
    audit_action = None  # read only

    def read_url(self, obj: OrgNode) -> str:
        return f"/orgs/{obj.pk}/children/"


class GroupSupervisorBase(OrgContractBase):
    """Moving and dissolving are 国资中心 acts; a supervisor grant on one 集团 has an outside."""

    allowed_username = "ct_supervisor"

    @pytest.fixture(autouse=True)
    def _group_supervisor(self, db: object) -> None:
        make_account("ct_supervisor", role="supervisor", node=OrgNode.objects.get(code="CT"))

    def outside(self) -> OrgNode:
        return OrgNode.objects.get(code="JT01-ZB1")


class TestOrgMovePageTenancy(GroupSupervisorBase):
    covers: ClassVar[tuple[str, ...]] = ("orgs:move",)
    audit_action = "orgs.org.move"

    def read_url(self, obj: OrgNode) -> str:
        return f"/orgs/{obj.pk}/move/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(self.read_url(obj), {"parent": "CT02-ZB1"})

    def snapshot(self, obj: OrgNode) -> Any:
        return OrgNode.objects.get(pk=obj.pk).parent_id


class TestOrgMoveApiTenancy(TestOrgMovePageTenancy):
    covers = ("org-detail", "org-move")
    api = True

    def read_url(self, obj: OrgNode) -> str:
        return f"/api/orgs/{obj.pk}/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        target = OrgNode.objects.get(code="CT02-ZB1")
        return client.post(
            f"/api/orgs/{obj.pk}/move/", {"parent": target.pk}, content_type="application/json"
        )


class TestOrgDissolvePageTenancy(GroupSupervisorBase):
    covers: ClassVar[tuple[str, ...]] = ("orgs:dissolve",)
    audit_action = "orgs.org.dissolve"

    def read_url(self, obj: OrgNode) -> str:
        return f"/orgs/{obj.pk}/dissolve/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(self.read_url(obj), {"dissolved_on": "2026-10-31", "reason": "合并"})

    def snapshot(self, obj: OrgNode) -> Any:
        return OrgNode.objects.get(pk=obj.pk).dissolved_on


class TestOrgDissolveApiTenancy(TestOrgDissolvePageTenancy):
    covers = ("org-detail", "org-dissolve")
    api = True

    def read_url(self, obj: OrgNode) -> str:
        return f"/api/orgs/{obj.pk}/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(
            f"/api/orgs/{obj.pk}/dissolve/",
            {"dissolved_on": "2026-10-31", "reason": "合并"},
            content_type="application/json",
        )


class TestCountySettingsTenancy(RoleContract):
    """County-wide settings: only a grant on the county root may change them."""

    covers = ("orgs:county_settings",)
    allowed_username = "supervisor"
    denied_usernames = ("secretary1", "sysadmin")

    def read_url(self) -> str:
        return "/orgs/settings/"


class TestSetupApprovalPageTenancy(GroupSupervisorBase):
    covers: ClassVar[tuple[str, ...]] = ("orgs:setup_approval",)
    audit_action = "orgs.setup_approval.record"

    def inside(self) -> OrgNode:
        return OrgNode.objects.get(code="CT01-ZZ")

    def outside(self) -> OrgNode:
        return OrgNode.objects.get(code="JT01-ZZ")

    def read_url(self, obj: OrgNode) -> str:
        return f"/orgs/{obj.pk}/setup-approval/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(
            self.read_url(obj),
            {
                "approving_body": "中共X县城市建设投资集团有限公司委员会",
                "approval_ref": "城投党〔2026〕99号",
                "approved_on": "2026-10-30",
            },
        )

    def snapshot(self, obj: OrgNode) -> Any:
        return list(obj.setup_approvals.values_list("approval_ref", "approved_on"))


class TestOrgPickTenancy(RoleContract):
    """A role without the action asked for (an observer may not register members) is refused."""

    covers = ("orgs:pick",)
    allowed_username = "secretary1"
    denied_usernames = ("observer1", "sysadmin")

    def read_url(self) -> str:
        return "/orgs/pick/?for=member.add&kind=branch"
