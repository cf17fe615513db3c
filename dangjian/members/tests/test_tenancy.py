"""The shared tenancy contract applied to member pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangjian.core.testing.tenancy import TenancyContract
from dangjian.members import services
from dangjian.members.models import Member
from dangjian.members.tests.helpers import data
from dangjian.orgs.models import OrgNode


class MemberContractBase(TenancyContract):
    allowed_username = "secretary1"
    audit_action = "members.member.update"

    @pytest.fixture(autouse=True)
    def _members(self, db: Any) -> None:
        services.register_member(
            actor=None, org=OrgNode.objects.get(code="CT01-ZB1"), data=data(name="本支部党员")
        )

    def inside(self) -> Member:
        return Member.objects.get(name="本支部党员")

    def outside(self) -> Member:
        return Member.objects.filter(org__code="JT01-ZB1").order_by("id").first()  # type: ignore[return-value]

    def snapshot(self, obj: Member) -> Any:
        fresh = Member.objects.get(pk=obj.pk)
        return (fresh.name, fresh.post, fresh.version)


class TestMemberPagesTenancy(MemberContractBase):
    def read_url(self, obj: Member) -> str:
        return f"/members/{obj.pk}/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.post(
            f"/members/{obj.pk}/edit/",
            {
                "name": obj.name,
                "id_number": "",
                "status": obj.status,
                "ethnicity": obj.ethnicity,
                "post": "新岗位",
                "admitted_on": obj.admitted_on,
                "full_on": obj.full_on,
                "version": obj.version,
            },
        )


class TestMemberApiTenancy(MemberContractBase):
    api = True

    def read_url(self, obj: Member) -> str:
        return f"/api/members/{obj.pk}/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.patch(
            f"/api/members/{obj.pk}/",
            {"post": "新岗位", "version": obj.version},
            content_type="application/json",
        )


class TestMemberMovementTenancy(MemberContractBase):
    audit_action = "members.member.lost_contact"

    def read_url(self, obj: Member) -> str:
        return f"/members/{obj.pk}/do/lost-contact/"

    def write(self, client: Client, obj: Member) -> Any:
        return client.post(f"/members/{obj.pk}/do/lost-contact/", {"on": "2026-10-01"})

    def snapshot(self, obj: Member) -> Any:
        return Member.objects.get(pk=obj.pk).status


class TestMemberCreateApiTenancy(MemberContractBase):
    api = True
    audit_action = "members.member.create"
    refused_write_status = 400

    def inside(self) -> Any:
        return OrgNode.objects.get(code="CT01-ZB1")

    def outside(self) -> Any:
        return OrgNode.objects.get(code="JT01-ZB1")

    def read_url(self, obj: Any) -> str:
        return f"/api/orgs/{obj.pk}/"

    def write(self, client: Client, obj: Any) -> Any:
        d = data(name="API党员")
        response = client.post(
            "/api/members/",
            {
                "name": d.name,
                "id_number": d.id_number,
                "branch": obj.pk,
                "status": "full",
                "admitted_on": "2015-06-01",
                "full_on": "2016-06-01",
            },
            content_type="application/json",
        )
        if response.status_code == 400:
            assert "不在您的授权范围内" in response.json()["branch"][0]
        return response

    def snapshot(self, obj: Any) -> Any:
        return sorted(Member.objects.filter(org=obj).values_list("name", flat=True))
