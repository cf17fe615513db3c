"""Seats held by members who left the organisation's registry or lost the right to be elected
are named by the structure check (rules, services and the org page)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.governance import services
from dangjian.governance.rules import (
    ERROR,
    SOURCE_COMMITTEE,
    SOURCE_ELECTION_RIGHTS,
    WARNING,
    SeatHolder,
    seat_holder_findings,
)
from dangjian.members import movements, standing
from dangjian.members.tests.factories import make_member
from dangjian.testkit.queries import capture_queries

TESTS = SystemActor("tests")


def _holder(name: str, *, on_registry: bool = True, may_be_elected: bool = True) -> SeatHolder:
    return SeatHolder(
        name=name, title="组织委员", on_registry=on_registry, may_be_elected=may_be_elected
    )


def test_seated_members_in_service_with_their_rights_raise_nothing() -> None:
    assert seat_holder_findings([_holder("甲"), _holder("乙")]) == []
    assert seat_holder_findings([]) == []


def test_seats_off_the_registry_and_without_rights_are_named_with_their_sources() -> None:
    found = seat_holder_findings(
        [
            _holder("甲", on_registry=False, may_be_elected=False),
            _holder("乙", may_be_elected=False),
            _holder("丙"),
        ]
    )
    assert [(f.level, f.code, f.source) for f in found] == [
        (ERROR, "O4-seat-off-registry", SOURCE_COMMITTEE),
        (WARNING, "O4-seat-rights", SOURCE_ELECTION_RIGHTS),
    ]
    gone, barred = found
    assert "组织委员甲" in gone.message and "乙" not in gone.message
    assert "组织委员乙" in barred.message and "甲" not in barred.message
    assert "丙" not in gone.message + barred.message


@pytest.fixture
def seated(org):
    """A branch of the demo county with a current term and three seated full members."""
    branch = org("CT01-ZB1")
    today = clock.today()
    term = services.current_term(branch) or services.record_election(
        actor=TESTS, org=branch, elected_on=today - timedelta(days=20), term_years=3
    )
    term.seats.all().delete()
    people = [make_member(branch, name=name) for name in ("席甲", "席乙", "席丙")]
    for post, member in zip(("secretary", "organisation", "publicity"), people, strict=True):
        services.assign_seat(
            term, actor=TESTS, post=post, member=member, assigned_on=max(term.elected_on, today)
        )
    return branch, people


def _codes(branch) -> dict[str, str]:
    found = services.structure_findings(branch, today=clock.today())
    return {f.code: f.message for f in found if f.code.startswith("O4-seat")}


@pytest.mark.django_db
def test_a_seat_holder_who_died_or_lost_rights_is_named(seated, user) -> None:
    branch, (secretary, organiser, _) = seated
    assert _codes(branch) == {}
    today = clock.today()
    standing.record_death(secretary, actor=user("secretary1"), on=today - timedelta(days=1))
    standing.suspend_rights(organiser, actor=TESTS, since=today, reason="detained")
    codes = _codes(branch)
    assert "书记席甲" in codes["O4-seat-off-registry"]
    assert "组织委员席乙" in codes["O4-seat-rights"]
    assert "席丙" not in " ".join(codes.values())
    standing.restore_rights(organiser, actor=TESTS, on=today)
    assert set(_codes(branch)) == {"O4-seat-off-registry"}


@pytest.mark.django_db
def test_a_seat_holder_under_watch_or_moved_away_is_named(seated, org) -> None:
    branch, (_, organiser, publicist) = seated
    today = clock.today()
    standing.place_under_watch(
        organiser,
        actor=TESTS,
        watch_from=today - timedelta(days=5),
        watch_until=today + timedelta(days=200),
        decision="党委决定",
    )
    movements.move_member(publicist, actor=TESTS, to_org=org("CT01-ZB2"), on=today)
    codes = _codes(branch)
    assert "组织委员席乙" in codes["O4-seat-rights"]
    assert "宣传委员席丙" in codes["O4-seat-off-registry"]


@pytest.mark.django_db
def test_the_org_page_shows_the_seat_finding_at_the_same_cost(seated, user, client_for) -> None:
    branch, (secretary, _, _) = seated
    client = client_for("secretary1")
    with capture_queries() as before:
        client.get(f"/orgs/{branch.pk}/")
    standing.record_death(secretary, actor=user("secretary1"), on=clock.today())
    with capture_queries() as after:
        page = client.get(f"/orgs/{branch.pk}/").content.decode()
    assert "书记席甲已不是本组织在册党员" in page and SOURCE_COMMITTEE in page
    assert after.count == before.count
