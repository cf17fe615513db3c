"""Committee seats: candidates come from what the actor may read; dates stay within the term."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.accounts.services import create_account, grant_role
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.governance import services
from dangjian.members import services as members
from dangjian.members.tests.helpers import data
from dangjian.testkit.clients import login

pytestmark = pytest.mark.django_db


def _committee_secretary(org, *, descendants: bool):
    user, _ = create_account(
        actor=SystemActor("tests"),
        username=f"dw_secretary_{int(descendants)}",
        full_name="党委书记",
        password="Committee-Passw0rd!",
        must_change_password=False,
    )
    grant_role(
        actor=SystemActor("tests"),
        user=user,
        role="secretary",
        node=org("CT01-DW"),
        include_descendants=descendants,
    )
    return user


def test_grant_without_descendants_sees_no_branch_members_in_the_seat_form(org) -> None:
    person = members.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="支部张某")
    )
    term = services.record_election(
        actor=SystemActor("tests"), org=org("CT01-DW"), elected_on=date(2026, 1, 5)
    )
    narrow = _committee_secretary(org, descendants=False)
    client = login(Client(), narrow)
    page = client.get(f"/governance/term/{term.pk}/seat/")
    assert page.status_code == 200 and "支部张某" not in page.content.decode()
    before = AuditEntry.objects.count()
    posted = client.post(
        f"/governance/term/{term.pk}/seat/",
        {"post": "secretary", "member": str(person.pk), "assigned_on": "2026-01-05"},
    )
    assert posted.status_code == 200 and not term.seats.exists()
    assert AuditEntry.objects.count() == before
    with pytest.raises(ValidationError, match="本组织在册的党员"):
        services.assign_seat(
            term, actor=narrow, post="secretary", member=person, assigned_on=date(2026, 1, 5)
        )
    wide = _committee_secretary(org, descendants=True)
    assert (
        "支部张某"
        in login(Client(), wide).get(f"/governance/term/{term.pk}/seat/").content.decode()
    )
    services.assign_seat(
        term, actor=wide, post="secretary", member=person, assigned_on=date(2026, 1, 5)
    )
    assert term.seats.count() == 1


def test_seat_dates_stay_within_the_term(org) -> None:
    person = members.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())
    term = services.record_election(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), elected_on=date(2026, 3, 1)
    )
    for when, text in (
        (timezone.localdate() + timedelta(days=1), "不能晚于今天"),
        (date(2026, 2, 28), "不能早于本届选举日期"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.assign_seat(
                term,
                actor=SystemActor("tests"),
                post="organisation",
                member=person,
                assigned_on=when,
            )
        assert text in caught.value.message_dict["assigned_on"][0]
    assert not term.seats.exists()


def test_repeated_post_for_the_same_member_names_the_member(org) -> None:
    person = members.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="兼职李某")
    )
    term = services.record_election(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), elected_on=date(2026, 3, 1)
    )
    for post in ("secretary", "publicity"):  # 书记兼宣传委员 is a valid 兼任
        services.assign_seat(
            term,
            actor=SystemActor("tests"),
            post=post,
            member=person,
            assigned_on=date(2026, 3, 1),
        )
    with pytest.raises(ValidationError) as caught:
        services.assign_seat(
            term,
            actor=SystemActor("tests"),
            post="publicity",
            member=person,
            assigned_on=date(2026, 3, 1),
        )
    assert caught.value.message_dict["member"][0].startswith("兼职李某：")


def test_leader_and_exception_dates_after_today_are_refused(org) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.set_leader(
            actor=SystemActor("tests"),
            org=org("CT01"),
            position="chairman",
            person_name="王某",
            since=tomorrow,
        )
    assert "since" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.record_unity_exception(
            actor=SystemActor("tests"),
            org=org("CT01"),
            reason="上级批准分设",
            approval_ref="",
            on=tomorrow,
        )
    assert "on" in caught.value.message_dict
