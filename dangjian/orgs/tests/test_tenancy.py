"""The shared tenancy contract applied to the organisation pages and API."""

from __future__ import annotations

from typing import Any

from django.test import Client

from dangjian.core.testing.tenancy import TenancyContract
from dangjian.orgs.models import OrgNode


class OrgContractBase(TenancyContract):
    allowed_username = "secretary1"  # secretary of 党支部 CT01-ZB1
    audit_action = "orgs.org.update"

    def inside(self) -> OrgNode:
        return OrgNode.objects.get(code="CT01-ZB1-XZ1")

    def outside(self) -> OrgNode:
        return OrgNode.objects.get(code="JT01-ZB1")

    def snapshot(self, obj: OrgNode) -> Any:
        fresh = OrgNode.objects.get(pk=obj.pk)
        return (fresh.name, fresh.code, fresh.version)


class TestOrgPagesTenancy(OrgContractBase):
    def read_url(self, obj: OrgNode) -> str:
        return f"/orgs/{obj.pk}/"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(
            f"/orgs/{obj.pk}/edit/",
            {"code": obj.code, "name": obj.name + "（更名）", "version": obj.version},
        )


class TestOrgApiTenancy(OrgContractBase):
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
    def read_url(self, obj: OrgNode) -> str:
        return f"/orgs/{obj.pk}/add/?kind=party_group"

    def write(self, client: Client, obj: OrgNode) -> Any:
        return client.post(
            f"/orgs/{obj.pk}/add/?kind=party_group",
            {"kind": "party_group", "code": f"{obj.code}-NEW", "name": "新建党小组"},
        )


class TestOrgCreateApiTenancy(CreateContractBase):
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
