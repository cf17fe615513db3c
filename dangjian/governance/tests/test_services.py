from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.accounts.tests.factories import make_account
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.core.permissions import Role
from dangjian.governance import services
from dangjian.governance.models import EnterpriseLeader
from dangjian.members import services as members
from dangjian.members.tests.helpers import data
from dangjian.orgs.models import OrgNode
from dangjian.orgs.tests.factories import make_party_org

pytestmark = pytest.mark.django_db


def test_secretary_sets_up_committee_and_warnings_follow() -> None:
    # A new branch of its own: the demo secretary's branch already has a committee.
    branch = make_party_org()
    secretary = make_account(role=Role.SECRETARY, node=branch)
    people = [
        members.register_member(actor=secretary, org=branch, data=data(name=f"委员{i}"))
        for i in range(8)
    ]
    found = services.structure_findings(branch, today=date(2026, 11, 24))
    assert ("error", "O4-committee-required") in [(f.level, f.code) for f in found]
    term = services.record_election(actor=secretary, org=branch, elected_on=date(2026, 11, 1))
    assert term.term_years == 3
    posts = ["secretary", "organisation", "publicity", "discipline"]
    for post, person in zip(posts, people, strict=False):
        services.assign_seat(
            term,
            actor=secretary,
            post=post,
            member=person,
            assigned_on=date(2026, 11, 1),
            upper_ref="上级组〔2026〕9号",
            upper_on=date(2026, 11, 10),
        )
    assert services.structure_findings(branch, today=date(2026, 11, 24)) == []


def test_committee_post_needs_a_member_of_the_organisation(org) -> None:
    outsider = members.register_member(actor=SystemActor("tests"), org=org("JT01-ZB1"), data=data())
    term = services.record_election(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), elected_on=date(2026, 1, 5)
    )
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="本组织在册的党员"):
        services.assign_seat(
            term,
            actor=SystemActor("tests"),
            post="secretary",
            member=outsider,
            assigned_on=date(2026, 1, 5),
        )
    assert AuditEntry.objects.count() == entries and not term.seats.exists()


def test_second_secretary_in_a_term_is_refused(org) -> None:
    term = services.record_election(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), elected_on=date(2026, 1, 5)
    )
    a, b = (
        members.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())
        for _ in range(2)
    )
    services.assign_seat(
        term, actor=SystemActor("tests"), post="secretary", member=a, assigned_on=date(2026, 1, 5)
    )
    with pytest.raises(ValidationError, match="本届已有书记"):
        services.assign_seat(
            term,
            actor=SystemActor("tests"),
            post="secretary",
            member=b,
            assigned_on=date(2026, 1, 5),
        )


def test_extension_over_a_year_is_refused() -> None:
    term = services.record_election(
        actor=SystemActor("tests"), org=make_party_org(), elected_on=date(2023, 3, 1)
    )
    with pytest.raises(ValidationError, match="不超过1年"):
        services.extend_term(
            term, actor=SystemActor("tests"), until=date(2027, 3, 2), approval_ref="批复1号"
        )
    services.extend_term(
        term, actor=SystemActor("tests"), until=date(2027, 3, 1), approval_ref="批复1号"
    )


def test_unity_list_excludes_recorded_exceptions(org) -> None:
    enterprises = OrgNode.objects.filter(kind="enterprise")
    gaps = {row["org"].code for row in services.unity_gaps(enterprises)}
    assert gaps == {"CT04", "JT03"}  # NL05 is split too, but its reason is recorded
    services.record_unity_exception(
        actor=SystemActor("tests"),
        org=org("CT04"),
        reason="董事长暂缺，由书记代行",
        approval_ref="",
        on=date(2026, 11, 1),
    )
    assert {row["org"].code for row in services.unity_gaps(enterprises)} == {"JT03"}


def test_new_chairman_closes_the_previous_holder(org) -> None:
    services.set_leader(
        actor=SystemActor("tests"),
        org=org("CT02"),
        position="chairman",
        person_name="新董事长",
        since=date(2026, 10, 1),
    )
    current = EnterpriseLeader.objects.filter(
        org=org("CT02"), position="chairman", ended_on__isnull=True
    )
    assert [leader.person_name for leader in current] == ["新董事长"]
    assert services.unity_gaps(OrgNode.objects.filter(code="CT02"))


def test_configured_extra_post_is_offered_and_stored(client_for, org) -> None:
    member = members.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="青年")
    )
    term = services.record_election(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), elected_on=date(2026, 1, 5)
    )
    client = client_for("secretary1")
    assert "青年委员" in client.get(f"/governance/term/{term.pk}/seat/").content.decode()
    client.post(
        f"/governance/term/{term.pk}/seat/",
        {"post": "other:青年委员", "member": member.pk, "assigned_on": "2026-01-05"},
    )
    seat = term.seats.get()
    assert (seat.post, seat.post_label) == ("other", "青年委员")
