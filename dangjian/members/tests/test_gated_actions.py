"""Action links appear only where the user may act: an observer (read-only everywhere) sees the
lists but none of their action buttons, a keeper sees them for the records in scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from dangjian.core import clock
from dangjian.members.models import Member
from dangjian.members.tests.factories import make_member, make_transfer_in

pytestmark = pytest.mark.django_db


def test_suspension_review_offers_its_acts_only_to_keepers(org: Any, client_for: Any) -> None:
    member = make_member(org("CT01-ZB1"), name="久失联")
    Member.objects.filter(pk=member.pk).update(
        lost_contact_since=clock.today() - timedelta(days=800)
    )
    act = f"/members/{member.pk}/do/suspend/"
    keeper = client_for("secretary1").get("/members/suspension-review/").content.decode()
    assert "久失联" in keeper and act in keeper and "办理停止党籍" in keeper
    observer = client_for("observer1").get("/members/suspension-review/").content.decode()
    assert "久失联" in observer and act not in observer and "办理停止党籍" not in observer


def test_an_incoming_transfer_is_decided_only_by_who_may_receive_it(
    org: Any, client_for: Any
) -> None:
    transfer = make_transfer_in(org("CT01-ZB1"), name="待接收者")
    accept = f"/members/transfers/in/{transfer.pk}/accept/"
    keeper = client_for("secretary1").get("/members/transfers/").content.decode()
    assert "待接收者" in keeper and accept in keeper
    observer = client_for("observer1").get("/members/transfers/").content.decode()
    assert "待接收者" in observer and accept not in observer and "退回</a>" not in observer


def test_an_observer_sees_no_member_action_anywhere_on_the_member_page(
    org: Any, client_for: Any
) -> None:
    member = make_member(org("CT01-ZB1"), name="只读对象")
    page = client_for("observer1").get(f"/members/{member.pk}/").content.decode()
    assert "/do/" not in page and "/edit/" not in page and "查看完整号码" not in page
