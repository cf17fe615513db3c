"""The governance acts are offered only to who may take them: no 登记原因 for an observer,
and 免去 (届中调整) asks for its date and a confirmation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.governance import services
from dangjian.governance.choices import LeaderPosition
from dangjian.governance.models import CommitteeSeat
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db


def _gap(org: Any) -> Any:
    enterprise = org("CT01")
    for position, name in (
        (LeaderPosition.CHAIRMAN, "甲董事长"),
        (LeaderPosition.PARTY_SECRETARY, "乙书记"),
    ):
        services.set_leader(
            actor=SystemActor("tests"),
            org=enterprise,
            position=position,
            person_name=name,
            since=date(2024, 1, 1),
        )
    return enterprise


def test_the_unity_list_offers_the_reason_only_to_who_may_record_it(
    org: Any, client_for: Any
) -> None:
    enterprise = _gap(org)
    link = f"/governance/org/{enterprise.pk}/unity-exception/"
    county = client_for("supervisor").get("/governance/unity/").content.decode()
    assert enterprise.name in county and link in county
    observer = client_for("observer1").get("/governance/unity/")
    assert observer.status_code == 200  # observers read the list
    body = observer.content.decode()
    assert enterprise.name in body and link not in body and "登记原因" not in body


def _seat(org: Any) -> CommitteeSeat:
    branch = org("CT01-ZB1")
    # The demo branch may have its committee already: seat the member in that term.
    term = services.current_term(branch) or services.record_election(
        actor=SystemActor("tests"), org=branch, elected_on=date(2024, 1, 1)
    )
    member = make_member(branch, name="在任委员")
    return services.assign_seat(
        term,
        actor=SystemActor("tests"),
        post="other",
        post_label="青年委员",
        member=member,
        assigned_on=term.elected_on + timedelta(days=10),
    )


def test_removal_asks_for_its_date_and_a_confirmation(org: Any, client_for: Any) -> None:
    seat = _seat(org)
    client = client_for("secretary1")
    url = f"/governance/seat/{seat.pk}/remove/"
    form = client.get(url).content.decode()
    assert f'value="{clock.today():%Y-%m-%d}"' in form and 'name="confirm"' in form
    before = AuditEntry.objects.filter(action="governance.seat.remove").count()
    for data, message in (
        ({"on": clock.today().isoformat()}, "请勾选确认后再提交"),
        (
            {"on": (clock.today() + timedelta(days=1)).isoformat(), "confirm": "on"},
            "免去日期不能晚于今天",
        ),
        (
            {"on": (seat.assigned_on - timedelta(days=1)).isoformat(), "confirm": "on"},
            f"免去日期不能早于任职日期（{seat.assigned_on:%Y-%m-%d}）",
        ),
    ):
        response = client.post(url, data)
        assert response.status_code == 200 and message in response.content.decode()
    assert CommitteeSeat.objects.filter(pk=seat.pk).exists()
    removed_on = (seat.assigned_on + timedelta(days=30)).isoformat()
    done = client.post(url, {"on": removed_on, "confirm": "on"})
    assert done.status_code == 302
    assert not CommitteeSeat.objects.filter(pk=seat.pk).exists()
    entry = AuditEntry.objects.filter(action="governance.seat.remove").latest("seq")
    assert entry.changes["on"] == removed_on
    assert AuditEntry.objects.filter(action="governance.seat.remove").count() == before + 1


ACT_PATHS = (
    "/edit/",
    "/move/",
    "/dissolve/",
    "/add/",
    "/election/",
    "/leader/",
    "/unity-exception/",
    "/governance/term/",
    "/governance/seat/",
    "/members/new/",
    "/members/transfers/in/new/",
)


def test_an_observer_sees_no_act_on_an_organisation_page(org: Any, client_for: Any) -> None:
    seat = _seat(org)
    branch = seat.term.org
    keeper = client_for("secretary1").get(f"/orgs/{branch.pk}/").content.decode()
    assert f"/governance/seat/{seat.pk}/remove/" in keeper and "/members/new/" in keeper
    observer = client_for("observer1").get(f"/orgs/{branch.pk}/").content.decode()
    assert "在任委员" in observer  # the committee is read, not changed
    assert [path for path in ACT_PATHS if path in observer] == []
    # Reading is not acting: the printable structure report is offered to the observer too.
    assert f"/governance/org/{branch.pk}/structure-report/" in observer
