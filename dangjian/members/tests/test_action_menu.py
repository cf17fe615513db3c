"""The member page's 办理事项 menu fits the member and the user: for every standing × management
state it offers exactly the actions the member workflow's table (and the management states
beside it) allow, to a user who may act; an observer sees no menu and no action link. A page
opened for an action that does not apply says so and writes nothing; irreversible acts ask for
the date they took effect and an explicit confirmation."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from dangjian.core import clock
from dangjian.core.models import AuditEntry
from dangjian.members.choices import MemberStatus
from dangjian.members.flows import MEMBER
from dangjian.members.models import Member
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db

MANAGEMENT = ("none", "mobile", "lost_contact", "rights_suspended")
SINCE = date(2024, 3, 1)
# The slugs that change the member's standing, and the workflow steps behind each.
STANDING_STEPS = {
    "suspend": ("suspend",),
    "restore": ("restore_full", "restore_probationary"),
    "exit": ("exit",),
    "death": ("decease",),
}
IN_SERVICE_ONLY = {"move", "transfer-out", "watch", "community", "service"}


def expected_menu(status: str, state: str) -> set[str]:
    """Written from the table and the management rules, not read from the views."""
    in_service = status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
    gone = status in (MemberStatus.EXPELLED, MemberStatus.DECEASED, MemberStatus.TRANSFERRED)
    offered = {
        slug
        for slug, steps in STANDING_STEPS.items()
        if any(status in MEMBER.step_for(s).sources for s in steps)
    }
    if state != "lost_contact" or not in_service:
        offered.discard("suspend")  # 停止党籍 only after 失联 (党员教育管理工作条例第二十四条)
    if in_service:
        offered |= IN_SERVICE_ONLY
        offered.add("restore-contact" if state == "lost_contact" else "lost-contact")
        if state != "mobile":
            offered.add("mobile-out")
        if state != "rights_suspended":
            offered.add("suspend-rights")
    if status == MemberStatus.PROBATIONARY:
        offered.add("extend-probation")
    if state == "mobile" and not gone:
        offered.add("mobile-back")
    if state == "rights_suspended" and not gone:
        offered.add("restore-rights")
    return offered


def _member_in(branch: Any, status: str, state: str) -> Member:
    member = make_member(branch, name="状态党员")
    fields: dict[str, Any] = {"status": status}
    if status == MemberStatus.PROBATIONARY:
        fields["full_on"] = None
    if state != "none":
        fields[f"{state}_since"] = SINCE
    if state == "rights_suspended":
        fields["rights_suspension"] = "other"
    Member.objects.filter(pk=member.pk).update(**fields)
    return Member.objects.get(pk=member.pk)


def _menu(html: str, pk: int) -> set[str]:
    return set(re.findall(rf'href="/members/{pk}/do/([a-z-]+)/"', html))


@pytest.mark.parametrize("state", MANAGEMENT)
@pytest.mark.parametrize("status", [s.value for s in MemberStatus])
def test_the_state_aware_member_menu_for_every_state(
    org: Any, client_for: Any, status: str, state: str
) -> None:
    member = _member_in(org("CT01-ZB1"), status, state)
    keeper = client_for("secretary1").get(f"/members/{member.pk}/")
    assert keeper.status_code == 200
    wanted = expected_menu(status, state)
    assert _menu(keeper.content.decode(), member.pk) == wanted
    assert ("办理事项" in keeper.content.decode()) == bool(wanted)
    observer = client_for("observer1").get(f"/members/{member.pk}/")
    assert observer.status_code == 200
    body = observer.content.decode()
    assert _menu(body, member.pk) == set()
    assert "办理事项" not in body and f"/members/{member.pk}/edit/" not in body


@pytest.mark.parametrize("slug", ["suspend", "restore", "exit", "extend-probation"])
def test_an_action_that_does_not_apply_is_refused_on_the_member_page(
    org: Any, client_for: Any, slug: str
) -> None:
    member = _member_in(org("CT01-ZB1"), MemberStatus.DECEASED, "none")
    client = client_for("secretary1")
    before = AuditEntry.objects.count()
    for response in (
        client.get(f"/members/{member.pk}/do/{slug}/"),
        client.post(f"/members/{member.pk}/do/{slug}/", {"on": "2025-01-01", "confirm": "on"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"/members/{member.pk}/"
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert "当前为“死亡”，不能办理" in page
    assert AuditEntry.objects.count() == before
    assert Member.objects.get(pk=member.pk).status == MemberStatus.DECEASED


def test_death_asks_for_its_date_and_a_confirmation(org: Any, client_for: Any) -> None:
    member = _member_in(org("CT01-ZB1"), MemberStatus.FULL, "none")
    client = client_for("secretary1")
    url = f"/members/{member.pk}/do/death/"
    form = client.get(url).content.decode()
    assert f'value="{clock.today():%Y-%m-%d}"' in form and 'name="confirm"' in form
    unconfirmed = client.post(url, {"on": clock.today().isoformat()})
    assert "请勾选确认后再提交" in unconfirmed.content.decode()
    tomorrow = client.post(url, {"on": (clock.today() + timedelta(days=1)), "confirm": "on"})
    assert "去世日期不能晚于今天" in tomorrow.content.decode()
    unborn = member.birth_date - timedelta(days=1)
    early = client.post(url, {"on": unborn.isoformat(), "confirm": "on"})
    assert f"去世日期不能早于出生日期（{member.birth_date:%Y-%m-%d}）" in early.content.decode()
    assert Member.objects.get(pk=member.pk).status == MemberStatus.FULL
    done = client.post(url, {"on": clock.today().isoformat(), "confirm": "on"})
    assert done.status_code == 302
    assert Member.objects.get(pk=member.pk).status == MemberStatus.DECEASED


def test_a_refused_standing_change_is_a_form_error_not_the_dates(org: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        MEMBER.check_state(MemberStatus.DECEASED, "exit")
    assert list(refused.value.message_dict) == ["__all__"]
