"""我的党员信息 and the 双报到 self-report: member1 reports, the branch confirms or returns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.members import selfreport
from dangjian.members.choices import ReportStatus
from dangjian.members.models import CommunityRegistration, CommunityReport, Member, MemberEvent
from dangjian.members.tests.factories import make_member
from dangjian.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _own(user: Any) -> Member:
    member = selfreport.own_member(user("member1"))
    assert member is not None, "the demo links member1 to a record"
    return member


def _report(client: Any, member: Member, **fields: Any) -> Any:
    payload = {"community": "城东社区", "reported_on": clock.today() - timedelta(days=3)}
    payload.update(fields)
    return client.post(f"/members/{member.pk}/self/", payload)


def test_member1_opens_their_own_page_from_the_menu(client_for, user) -> None:
    member = _own(user)
    client = client_for("member1")
    home = client.get("/").content.decode()
    assert "我的党员信息" in home
    response = client.get("/members/mine/")
    assert response.status_code == 302 and response["Location"] == f"/members/{member.pk}/self/"
    page = client.get(response["Location"]).content.decode()
    assert member.name in page and member.id_number_masked in page
    assert member.org.name in page
    assert "报告社区报到" in page  # not yet registered: the form is offered


def test_the_menu_entry_is_for_member_accounts_only(client_for) -> None:
    assert "我的党员信息" not in client_for("clerk1").get("/").content.decode()
    assert client_for("clerk1").get("/members/mine/").status_code == 404


def test_member1_reports_and_the_branch_confirms(client_for, user) -> None:
    member = _own(user)
    member_client, clerk = client_for("member1"), client_for("clerk1")
    on = clock.today() - timedelta(days=3)
    assert _report(member_client, member, reported_on=on).status_code == 302
    report = CommunityReport.objects.get(member=member)
    assert report.status == ReportStatus.PENDING and report.submitted_by == user("member1")
    assert not CommunityRegistration.objects.filter(member=member).exists()
    told = Notification.objects.filter(event_key=f"members.community_report:{report.pk}:submitted")
    assert {n.recipient.username for n in told} >= {"clerk1", "secretary1"}
    assert AuditEntry.objects.filter(action="members.community_report.submit").exists()
    # A second report waits for the first to be decided.
    page = member_client.get(f"/members/{member.pk}/self/").content.decode()
    assert "待确认" in page and "等待党支部确认" in page
    assert _report(member_client, member, community="城西社区").status_code == 200
    assert CommunityReport.objects.filter(member=member).count() == 1

    record = clerk.get(f"/members/{member.pk}/").content.decode()
    assert "本人报告：城东社区" in record  # the member page shows it too, with the decision
    assert f"/members/community-reports/{report.pk}/confirm/" in record
    listing = clerk.get("/members/dual-registration/").content.decode()
    assert f"/members/community-reports/{report.pk}/confirm/" in listing
    assert clerk.get(f"/members/community-reports/{report.pk}/confirm/").status_code == 200
    registered = AuditEntry.objects.filter(action="members.member.community").count()
    response = clerk.post(f"/members/community-reports/{report.pk}/confirm/")
    assert response.status_code == 302
    registration = CommunityRegistration.objects.get(member=member)
    assert (registration.community, registration.registered_on) == ("城东社区", on)
    # Written as the clerk's own entry is: the same audit name and timeline event.
    entry = AuditEntry.objects.filter(action="members.member.community").order_by("-seq").first()
    assert registered + 1 == AuditEntry.objects.filter(action="members.member.community").count()
    assert entry is not None and entry.actor_username == "clerk1"
    assert MemberEvent.objects.filter(member=member, kind="community").exists()
    report.refresh_from_db()
    assert report.status == ReportStatus.CONFIRMED and report.decided_by == user("clerk1")
    assert Notification.objects.filter(
        recipient=user("member1"), event_key=f"members.community_report:{report.pk}:confirmed"
    ).exists()
    page = member_client.get(f"/members/{member.pk}/self/").content.decode()
    assert "已确认" in page and "城东社区" in page
    # Done: confirming again changes nothing.
    clerk.post(f"/members/community-reports/{report.pk}/confirm/")
    assert AuditEntry.objects.filter(action="members.community_report.confirm").count() == 1


def test_the_branch_returns_a_report_with_a_reason(client_for, user) -> None:
    member = _own(user)
    _report(client_for("member1"), member)
    report = CommunityReport.objects.get(member=member)
    clerk = client_for("clerk1")
    url = f"/members/community-reports/{report.pk}/return/"
    blank = clerk.post(url, {"reason": "  "})
    assert blank.status_code == 200 and "退回原因" in blank.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    assert clerk.post(url, {"reason": "社区未查到报到记录"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.reason == "社区未查到报到记录"
    assert not CommunityRegistration.objects.filter(member=member).exists()
    page = client_for("member1").get(f"/members/{member.pk}/self/").content.decode()
    assert "已退回" in page and "社区未查到报到记录" in page
    assert "报告社区报到" in page  # may report again


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"community": ""}, "community", "社区名称"),
        ({"community": "城东\u200b社区"}, "community", "社区名称"),
        ({"reported_on": ""}, "reported_on", "报到日期"),
        ({"reported_on": "2099-01-01"}, "reported_on", "报到日期"),
    ],
)
def test_bad_reports_name_the_field_and_write_nothing(
    client_for, user, fields: dict[str, str], field: str, message: str
) -> None:
    member = _own(user)
    response = _report(client_for("member1"), member, **fields)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in response.content.decode()
    assert not CommunityReport.objects.filter(member=member).exists()


def test_a_member_who_left_cannot_report(user, org) -> None:
    member = make_member(org("CT01-ZB1"), name="已转出者")
    assert selfreport.report_refusal(member) == ""
    Member.objects.filter(pk=member.pk).update(status="transferred")
    member.refresh_from_db()
    assert "已转出" in selfreport.report_refusal(member)


def test_others_cannot_decide_a_report(client_for, user) -> None:
    member = _own(user)
    _report(client_for("member1"), member)
    report = CommunityReport.objects.get(member=member)
    # The member and an observer (who reads but keeps nothing) cannot confirm.
    assert (
        client_for("member1").post(f"/members/community-reports/{report.pk}/confirm/").status_code
        == 403
    )
    assert (
        client_for("observer1").post(f"/members/community-reports/{report.pk}/confirm/").status_code
        == 403
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING
    observed = client_for("observer1").get("/members/dual-registration/").content.decode()
    assert "由党支部确认" in observed and "/confirm/" not in observed


def test_linking_an_account_is_for_the_system_administrator(user, org) -> None:
    member = make_member(org("CT01-ZB1"), name="另一党员")
    with pytest.raises(Exception, match="系统管理员"):
        selfreport.link_account(member, actor=user("clerk1"), account=user("observer1"))
    with pytest.raises(Exception, match="已关联另一名党员"):
        selfreport.link_account(member, actor=SystemActor("tests"), account=user("member1"))
