"""The 党员基本信息表: one scoped page, the record with the ID masked, A4 print CSS."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.core.actors import SystemActor
from dangjian.members import services
from dangjian.members.models import Member
from dangjian.members.tests.helpers import data
from dangjian.orgs.models import OrgNode
from dangjian.testkit.queries import capture_queries


def _member() -> Member:
    return services.register_member(
        actor=SystemActor("tests"),
        org=OrgNode.objects.get(code="CT01-ZB1"),
        data=data(name="打印者", phone="13912345678", post="车间主任"),
    )


@pytest.mark.django_db
def test_the_sheet_shows_the_record_with_the_id_masked(client_for) -> None:
    member = _member()
    body = client_for("secretary1").get(f"/members/{member.pk}/sheet/").content.decode()
    assert "党员基本信息表" in body and member.name in body and member.org.name in body
    assert "车间主任" in body and member.phone_masked in body and "13912345678" not in body
    assert f'<span id="sheet-id">{member.id_number_masked}</span>' in body
    assert "dangjian/print.css" in body  # the A4 stylesheet (@page size A4)
    detail = client_for("secretary1").get(f"/members/{member.pk}/").content.decode()
    assert f"/members/{member.pk}/sheet/" in detail


@pytest.mark.django_db
def test_the_sheet_costs_the_same_with_more_events(client_for) -> None:
    from dangjian.members.models import MemberEvent

    member = _member()
    client = client_for("secretary1")
    url = f"/members/{member.pk}/sheet/"
    with capture_queries() as small:
        client.get(url)
    MemberEvent.objects.bulk_create(
        MemberEvent(member=member, kind="updated", occurred_on=member.birth_date, summary=f"记{i}")
        for i in range(30)
    )
    with capture_queries() as large:
        body: Any = client.get(url).content.decode()
    assert large.count == small.count
    assert body.count("<li>") <= 12 + 1
