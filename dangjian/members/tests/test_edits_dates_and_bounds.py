"""Edits cannot bypass movements, dates after today are refused, API updates carry a version,
list filters are bounded, and the import endpoints need the import permission."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.members import movements, services
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, MemberEvent
from dangjian.members.rules import echo, status_edit_error
from dangjian.members.tests.helpers import data, new_id
from dangjian.members.tests.workbooks import row, workbook

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return Member.objects.count(), MemberEvent.objects.count(), AuditEntry.objects.count()


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ("probationary", "full", True),
        ("full", "probationary", True),
        ("full", "full", True),
        ("mobile", "mobile", True),
        ("full", "suspended", False),
        ("full", "lost_contact", False),
        ("lost_contact", "full", False),
        ("full", "historical", False),
    ],
)
def test_status_edit_rule(before: str, after: str, allowed: bool) -> None:
    assert (status_edit_error(before, after) is None) is allowed


def test_echo_masks_long_numbers_and_cuts() -> None:
    assert echo("CT01-ZB1") == "CT01-ZB1"
    assert echo("330106199005175001") == "330*************01"
    assert echo("甲" * 30).endswith("…") and len(echo("甲" * 30)) == 21


def test_edit_form_cannot_set_a_movement_status(client_for, org) -> None:
    member = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="编辑甲")
    )
    client = client_for("secretary1")
    before = _counts()
    response = client.post(
        f"/members/{member.pk}/edit/",
        {
            "name": member.name,
            "id_number": "",
            "status": "suspended",
            "ethnicity": "汉族",
            "admitted_on": "2015-06-01",
            "full_on": "2016-06-01",
            "version": member.version,
        },
    )
    assert response.status_code == 200
    assert "党籍状态：" in response.content.decode()
    assert Member.objects.get(pk=member.pk).status == MemberStatus.FULL
    assert _counts() == before
    page = client.get(f"/members/{member.pk}/edit/").content.decode()
    assert 'value="suspended"' not in page and 'value="probationary"' in page


def test_api_cannot_set_a_movement_status_and_needs_a_version(client_for, org) -> None:
    member = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="接口甲")
    )
    client = client_for("secretary1")
    before = _counts()
    url = f"/api/members/{member.pk}/"
    refused = client.patch(
        url, {"status": "suspended", "version": member.version}, content_type="application/json"
    )
    assert refused.status_code == 400 and "办理功能" in refused.json()["status"][0]
    unversioned = client.patch(url, {"post": "新岗位"}, content_type="application/json")
    assert unversioned.status_code == 400 and "version" in unversioned.json()
    stale = client.patch(
        url, {"post": "新岗位", "version": member.version + 5}, content_type="application/json"
    )
    assert stale.status_code == 400 and "他人修改" in str(stale.json())
    assert _counts() == before
    ok = client.patch(
        url,
        {"status": "probationary", "full_on": None, "version": member.version},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "probationary"


def _tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def test_movement_dates_after_today_are_refused(org, user) -> None:
    actor = user("secretary1")
    lost = services.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())
    movements.mark_lost_contact(lost, actor=actor, since=date(2026, 1, 5))
    away = services.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())
    movements.start_mobility(away, actor=actor, place="杭州", left_on=date(2026, 2, 1))
    before = _counts()
    cases = [
        (lambda: movements.restore_contact(lost, actor=actor, on=_tomorrow()), "on"),
        (lambda: movements.restore_contact(lost, actor=actor, on=date(2025, 12, 1)), "on"),
        (lambda: movements.end_mobility(away, actor=actor, returned_on=_tomorrow()), "returned_on"),
        (
            lambda: movements.receive_transfer_in(
                actor=actor,
                org=org("CT01-ZB1"),
                name="转入甲",
                id_number=new_id(),
                from_org="外县",
                letter_no="介001",
                received_on=_tomorrow(),
                admitted_on=date(2015, 6, 1),
                full_on=date(2016, 6, 1),
            ),
            "received_on",
        ),
    ]
    for run, field in cases:
        with pytest.raises(ValidationError) as caught:
            run()
        assert field in caught.value.message_dict
    assert _counts() == before


def test_action_form_shows_service_errors_under_its_own_field(client_for, org, user) -> None:
    away = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="流动乙")
    )
    movements.start_mobility(away, actor=user("secretary1"), place="宁波", left_on=date(2026, 3, 1))
    page = client_for("secretary1").post(
        f"/members/{away.pk}/do/mobile-back/", {"on": "2026-02-01"}
    )
    assert "日期：返回日期不能早于外出日期" in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "age_min=100000",
        "age_max=-3",
        "standing_min=5000",
        "age_min=abc",
        "branch=99999999999999999999",
        "org=99999999999999999999",
    ],
)
def test_out_of_range_filters_are_messages_not_errors(client_for, query: str) -> None:
    client = client_for("supervisor")
    assert client.get(f"/api/members/?{query}").status_code == 400
    page = client.get(f"/members/?{query}")
    assert page.status_code == 200 and "筛选条件有误，请修改后重新筛选" in page.content.decode()
    assert "没有符合条件的党员" in page.content.decode()
    entries = AuditEntry.objects.count()
    refused = client.get(f"/members/export/?{query}", follow=True)
    assert (
        refused.redirect_chain[0][1] == 302 and "筛选条件有误，未导出" in refused.content.decode()
    )
    assert AuditEntry.objects.count() == entries  # nothing exported, nothing recorded


def test_import_endpoints_need_the_import_permission(client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    observer = client_for("observer1")
    content = workbook([row("观察", new_id())])
    upload = SimpleUploadedFile("x.xlsx", content)
    assert observer.post("/api/members/import/", {"file": upload}).status_code == 403
    assert observer.get("/api/members/import/template/").status_code == 403
    assert observer.get("/api/members/").status_code == 200  # may still read
    secretary = client_for("secretary1")
    dry = secretary.post(
        "/api/members/import/", {"file": SimpleUploadedFile("x.xlsx", content), "dry_run": "1"}
    )
    assert dry.status_code == 200 and dry.json()["errors"] == []
