"""党籍 standing apart from management states (issue 10 item 1, ADR 0026): full members who are
away or out of touch still count, who has voting rights, 留党察看 and suspended rights, 恢复党籍
and 除名 at their boundaries, exits, the old statuses' migration, the API and the import."""

from __future__ import annotations

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.governance import services as governance
from dangjian.governance.rules import POST_REFUSED, POST_RIGHTS_REFUSED
from dangjian.members import movements, standing
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, MemberEvent, MobileRecord
from dangjian.members.rules import (
    counts_as_full,
    has_voting_rights,
    restore_errors,
    strike_off_due,
    strike_off_from,
    under_watch,
    watch_period_error,
)
from dangjian.members.selectors import voting_q
from dangjian.members.tests.factories import make_member
from dangjian.members.tests.helpers import data as data_for
from dangjian.members.tests.helpers import new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import importer
from dangjian.orgs.tests.factories import make_party_org

TESTS = SystemActor("tests")
D = date


# --- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counts"),
    [("full", True), ("probationary", False), ("suspended", False), ("transferred", False)],
)
def test_only_the_standing_decides_who_counts_as_full(status: str, counts: bool) -> None:
    assert counts_as_full(status) is counts


@pytest.mark.parametrize(
    ("on", "watched"),
    [
        (D(2026, 2, 28), False),  # the day before it starts
        (D(2026, 3, 1), True),
        (D(2027, 3, 1), True),  # its last day
        (D(2027, 3, 2), False),
    ],
)
def test_watch_covers_its_first_and_last_day(on: date, watched: bool) -> None:
    assert under_watch(D(2026, 3, 1), D(2027, 3, 1), on) is watched
    assert has_voting_rights(
        "full", on=on, watch_from=D(2026, 3, 1), watch_until=D(2027, 3, 1)
    ) is (not watched)


@pytest.mark.parametrize(
    ("since", "on", "votes"),
    [
        (None, D(2026, 6, 1), True),
        (D(2026, 6, 2), D(2026, 6, 1), True),
        (D(2026, 6, 1), D(2026, 6, 1), False),
    ],
)
def test_suspended_rights_take_the_vote_from_their_date(since, on, votes) -> None:
    assert has_voting_rights("full", on=on, rights_suspended_since=since) is votes
    assert has_voting_rights("probationary", on=on) is False


@pytest.mark.parametrize(
    ("until", "error"),
    [
        (D(2026, 3, 1), "应晚于起始日期"),
        (D(2027, 3, 1), None),
        (D(2028, 3, 1), None),  # two years to the day
        (D(2028, 3, 2), "最长为两年"),
    ],
)
def test_watch_lasts_at_most_two_years(until: date, error: str | None) -> None:
    message = watch_period_error(D(2026, 3, 1), until)
    assert (message is None) if error is None else (error in (message or ""))


@pytest.mark.parametrize(
    ("suspended_on", "today", "due"),
    [
        (D(2024, 3, 1), D(2026, 2, 28), False),
        (D(2024, 3, 1), D(2026, 3, 1), True),
        (D(2024, 2, 29), D(2026, 2, 27), False),  # from a leap day: the month's end two years on
        (D(2024, 2, 29), D(2026, 2, 28), True),
        (None, D(2030, 1, 1), False),
    ],
)
def test_strike_off_after_two_years_of_suspension(suspended_on, today, due) -> None:
    assert strike_off_due(suspended_on, today) is due


def test_restore_only_within_the_two_years_and_with_a_decision() -> None:
    today = D(2026, 12, 1)
    assert (
        restore_errors(
            suspended_on=D(2025, 1, 10),
            contact_on=D(2026, 1, 9),
            decision="支委会决定",
            today=today,
        )
        == {}
    )
    late = restore_errors(
        suspended_on=D(2024, 1, 10), contact_on=D(2026, 1, 10), decision="x", today=today
    )
    assert "除名" in late["on"]
    early = restore_errors(
        suspended_on=D(2025, 1, 10), contact_on=D(2025, 1, 9), decision="", today=today
    )
    assert "不能早于停止党籍日期" in early["on"] and "决定" in early["decision"]


# --- the same decision in SQL -----------------------------------------------------------------

_DAYS = st.one_of(st.none(), st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31)))


@pytest.mark.django_db
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["full", "probationary", "suspended"]), _DAYS, _DAYS, _DAYS),
        min_size=1,
        max_size=8,
    ),
    on=st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31)),
)
def test_voting_q_agrees_with_has_voting_rights(rows, on) -> None:
    branch = make_party_org()
    expected = set()
    for status, watch_from, watch_until, suspended in rows:
        member = make_member(branch)
        Member.objects.filter(pk=member.pk).update(
            status=status,
            watch_from=watch_from,
            watch_until=watch_until,
            rights_suspended_since=suspended,
        )
        if has_voting_rights(
            status,
            on=on,
            watch_from=watch_from,
            watch_until=watch_until,
            rights_suspended_since=suspended,
        ):
            expected.add(member.pk)
    found = set(Member.objects.filter(voting_q(on), org=branch).values_list("pk", flat=True))
    assert found == expected


# --- structure counts and committee posts -----------------------------------------------------


def _codes(branch) -> set[str]:
    return {f.code for f in governance.structure_findings(branch, today=clock.today())}


@pytest.mark.django_db
def test_three_full_members_one_lost_one_away_still_make_a_branch() -> None:
    branch = make_party_org()
    first, second, _ = (make_member(branch, name=f"正式{i}") for i in range(3))
    movements.mark_lost_contact(first, actor=TESTS, since=D(2026, 2, 1))
    movements.start_mobility(second, actor=TESTS, place="杭州市", left_on=D(2026, 3, 1))
    findings = governance.structure_findings(branch, today=clock.today())
    assert not [f for f in findings if "不足3人" in f.message]
    assert {m.status for m in Member.objects.filter(org=branch)} == {MemberStatus.FULL}


@pytest.mark.django_db
def test_seven_full_members_with_two_away_still_need_a_committee() -> None:
    branch = make_party_org()
    people = [make_member(branch, name=f"正式{i}") for i in range(7)]
    movements.start_mobility(people[0], actor=TESTS, place="宁波", left_on=D(2026, 3, 1))
    movements.mark_lost_contact(people[1], actor=TESTS, since=D(2026, 2, 1))
    six = make_party_org()
    for i in range(6):
        make_member(six, name=f"六{i}")
    with_seven = [f.message for f in governance.structure_findings(branch, today=clock.today())]
    with_six = [f.message for f in governance.structure_findings(six, today=clock.today())]
    assert any("委员会" in m for m in with_seven)
    assert with_seven != with_six


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["watch", "rights"])
def test_a_member_without_the_right_to_be_elected_is_refused_every_post(state: str) -> None:
    branch = make_party_org()
    people = [make_member(branch, name=f"正式{i}") for i in range(3)]
    term = governance.record_election(
        actor=TESTS, org=branch, elected_on=clock.today() - timedelta(days=20), term_years=3
    )
    target = people[0]
    if state == "watch":
        standing.place_under_watch(
            target,
            actor=TESTS,
            watch_from=term.elected_on - timedelta(days=10),
            watch_until=term.elected_on + timedelta(days=300),
            decision="纪委决定",
        )
    else:
        standing.suspend_rights(
            target, actor=TESTS, since=term.elected_on - timedelta(days=5), reason="detained"
        )
    target.refresh_from_db()
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        governance.assign_seat(
            term, actor=TESTS, post="secretary", member=target, assigned_on=term.elected_on
        )
    assert refused.value.message_dict == {"member": [POST_RIGHTS_REFUSED]}
    assert "一般" not in POST_RIGHTS_REFUSED and POST_RIGHTS_REFUSED != POST_REFUSED
    assert not term.seats.exists() and AuditEntry.objects.count() == before


# --- the standing services --------------------------------------------------------------------


@pytest.fixture
def keeper(user):
    """Standing changes are a person's steps (the workflow gives SYSTEM no role in them)."""
    return user("supervisor")


def _suspended(branch, keeper, *, on: date) -> Member:
    member = make_member(branch)
    movements.mark_lost_contact(member, actor=TESTS, since=on - timedelta(days=400))
    movements.suspend_membership(member, actor=keeper, on=on, decision="支委会决定")
    member.refresh_from_db()
    return member


@pytest.mark.django_db
def test_restore_brings_back_the_standing_and_clears_lost_contact(user, keeper) -> None:
    branch = make_party_org()
    member = _suspended(branch, keeper, on=D(2026, 1, 10))
    assert (member.status, member.suspended_on) == (MemberStatus.SUSPENDED, D(2026, 1, 10))
    standing.restore_membership(
        member, actor=keeper, on=D(2026, 5, 1), decision="支委会研究同意", today=D(2026, 12, 1)
    )
    member.refresh_from_db()
    assert (member.status, member.suspended_on, member.lost_contact_since) == (
        MemberStatus.FULL,
        None,
        None,
    )
    assert AuditEntry.objects.filter(
        action="members.member.restore", object_id=str(member.pk)
    ).exists()
    assert MemberEvent.objects.filter(member=member, kind="restored").count() == 1


@pytest.mark.django_db
def test_restore_after_two_years_is_refused_and_writes_nothing(keeper) -> None:
    branch = make_party_org()
    member = _suspended(branch, keeper, on=D(2024, 1, 10))
    before, version = AuditEntry.objects.count(), member.version
    with pytest.raises(ValidationError) as refused:
        standing.restore_membership(
            member, actor=keeper, on=D(2026, 1, 10), decision="研究", today=D(2026, 12, 1)
        )
    assert "除名" in refused.value.message_dict["on"][0]
    stored = Member.objects.get(pk=member.pk)
    assert (stored.status, stored.version) == (MemberStatus.SUSPENDED, version)
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_lapsed_strike_off_waits_two_years_then_exits(keeper) -> None:
    branch = make_party_org()
    member = _suspended(branch, keeper, on=D(2024, 3, 1))
    with pytest.raises(ValidationError) as early:
        standing.record_exit(
            member, actor=keeper, on=D(2026, 2, 28), kind="lapsed", decision="党委决定"
        )
    assert "2026-03-01起" in early.value.message_dict["kind"][0]
    standing.record_exit(member, actor=keeper, on=D(2026, 3, 1), kind="lapsed", decision="党委决定")
    stored = Member.objects.get(pk=member.pk)
    assert (stored.status, stored.exit_kind, stored.exited_on) == (
        "expelled",
        "lapsed",
        D(2026, 3, 1),
    )


@pytest.mark.django_db
def test_cancelling_probation_is_for_probationary_members_only(keeper) -> None:
    branch = make_party_org()
    full = make_member(branch)
    with pytest.raises(ValidationError) as refused:
        standing.record_exit(
            full, actor=keeper, on=D(2026, 3, 1), kind="probation_cancelled", decision="x"
        )
    assert "只有预备党员" in refused.value.message_dict["kind"][0]


@pytest.mark.django_db
def test_death_ends_membership_and_keeps_the_record(keeper) -> None:
    branch = make_party_org()
    member = make_member(branch)
    standing.record_death(member, actor=keeper, on=D(2026, 4, 2))
    stored = Member.objects.get(pk=member.pk)
    assert (stored.status, stored.exited_on) == (MemberStatus.DECEASED, D(2026, 4, 2))
    with pytest.raises(ValidationError):
        standing.record_death(stored, actor=keeper, on=D(2026, 4, 3))


@pytest.mark.django_db
def test_rights_suspended_then_restored() -> None:
    branch = make_party_org()
    member = make_member(branch)
    standing.suspend_rights(member, actor=TESTS, since=D(2026, 5, 1), reason="arrested")
    with pytest.raises(ValidationError) as twice:
        standing.suspend_rights(member, actor=TESTS, since=D(2026, 5, 2), reason="arrested")
    assert "已中止" in twice.value.message_dict["since"][0]
    with pytest.raises(ValidationError) as early:
        standing.restore_rights(member, actor=TESTS, on=D(2026, 4, 30))
    assert "不能早于中止日期" in early.value.message_dict["on"][0]
    standing.restore_rights(member, actor=TESTS, on=D(2026, 9, 1))
    stored = Member.objects.get(pk=member.pk)
    assert (stored.rights_suspended_since, stored.rights_suspension) == (None, "")
    assert stored.status == MemberStatus.FULL


# --- the pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_member_page_shows_the_states_and_offers_what_applies(client_for, org) -> None:
    member = make_member(org("CT01-ZB1"))
    movements.start_mobility(member, actor=TESTS, place="杭州市", left_on=D(2026, 3, 1))
    page = client_for("secretary1").get(f"/members/{member.pk}/").content.decode()
    assert "正式党员" in page and "流动党员（2026-03-01外出）" in page
    assert "/do/mobile-back/" in page and "/do/mobile-out/" not in page
    assert "/do/restore/" not in page  # only for 停止党籍


@pytest.mark.django_db
def test_the_review_page_lists_members_suspended_two_years_for_strike_off(
    client_for, org, keeper
) -> None:
    branch = org("CT01-ZB1")
    today = clock.today()
    old = _suspended(branch, keeper, on=today - timedelta(days=800))
    recent = _suspended(branch, keeper, on=today - timedelta(days=100))
    response = client_for("secretary1").get("/members/suspension-review/")
    due, waiting = response.context["strike_off"], response.context["suspended"]
    assert old in due and recent not in due and recent in waiting
    assert old.suspended_on is not None and strike_off_from(old.suspended_on) <= today


# --- the migration of the old statuses --------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_keeps_every_old_status(org) -> None:
    branch = org("CT01-ZB1")
    made = {
        name: make_member(branch, name=name)
        for name in ("流动", "流动预备", "失联", "停止", "历史", "转出", "出党")
    }
    Member.objects.filter(pk=made["流动预备"].pk).update(full_on=None, status="probationary")
    MobileRecord.objects.create(member=made["流动"], place="杭州", left_on=D(2026, 2, 3))
    MemberEvent.objects.create(
        member=made["停止"], kind="suspended", occurred_on=D(2025, 9, 9), summary="停止党籍"
    )
    MemberEvent.objects.create(
        member=made["转出"],
        kind="transfer_out_done",
        occurred_on=D(2026, 1, 5),
        summary="已转往外县",
    )
    old = {
        "流动": "mobile",
        "流动预备": "mobile",
        "失联": "lost_contact",
        "停止": "suspended",
        "历史": "historical",
        "转出": "historical",
        "出党": "expelled",
    }
    for name, status in old.items():
        Member.objects.filter(pk=made[name].pk).update(status=status)
    Member.objects.filter(pk=made["失联"].pk).update(lost_contact_since=D(2026, 1, 31))
    migration = importlib.import_module("dangjian.members.migrations.0012_standing_data")
    migration.forward(apps, None)
    after = {name: Member.objects.get(pk=m.pk) for name, m in made.items()}
    assert (after["流动"].status, after["流动"].mobile_since) == ("full", D(2026, 2, 3))
    assert after["流动预备"].status == "probationary" and after["流动预备"].mobile_since is not None
    assert (after["失联"].status, after["失联"].lost_contact_since) == ("full", D(2026, 1, 31))
    assert (after["停止"].status, after["停止"].suspended_on) == ("suspended", D(2025, 9, 9))
    assert (after["转出"].status, after["转出"].exited_on) == ("transferred", D(2026, 1, 5))
    assert after["历史"].status == "transferred"
    assert MemberEvent.objects.filter(member=made["历史"], summary__contains="请核实").count() == 1
    assert after["出党"].status == "expelled"


# --- import and API ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("流动党员", "导入后在党员页面登记外出流动"),
        ("失联", "登记失联"),
        ("停止党籍", "不能通过导入登记"),
    ],
)
def test_import_names_the_row_for_a_management_state_or_other_standing(
    user, text, expected
) -> None:
    secretary = user("secretary1")
    node = secretary.grants.get().node
    upload = workbook(
        [
            row("导入甲", new_id(), branch=node.code),
            row("导入乙", new_id(), branch=node.code, status=text),
        ]
    )
    report = importer.validate(upload, actor=secretary)
    errors = [e for e in report.errors if e["column"] == "党籍状态"]
    assert len(errors) == 1 and errors[0]["row"] == 3 and expected in errors[0]["message"]


@pytest.mark.django_db
def test_api_shows_the_management_states_read_only(client_for, org) -> None:
    member = make_member(org("CT01-ZB1"))
    movements.mark_lost_contact(member, actor=TESTS, since=D(2026, 2, 1))
    client = client_for("secretary1")
    body = client.get(f"/api/members/{member.pk}/").json()
    assert body["status"] == "full" and body["lost_contact_since"] == "2026-02-01"
    assert body["has_voting_rights"] is True
    client.patch(
        f"/api/members/{member.pk}/",
        {"lost_contact_since": None, "version": body["version"]},
        content_type="application/json",
    )
    assert Member.objects.get(pk=member.pk).lost_contact_since == D(2026, 2, 1)


def test_the_template_offers_only_the_standings_a_file_may_register() -> None:
    from dangjian.members.fields import BY_NAME
    from dangjian.members.workbook.template import NOTES, _options

    assert _options(BY_NAME["status"]) == ["正式党员", "预备党员"]
    assert any("管理状态" in note for note in NOTES)


@pytest.mark.django_db
def test_a_member_registered_again_comes_back_without_the_old_states(org, keeper) -> None:
    from dangjian.members import services

    member = make_member(org("CT01-ZB1"))
    movements.mark_lost_contact(member, actor=TESTS, since=D(2026, 2, 1))
    standing.suspend_rights(member, actor=TESTS, since=D(2026, 3, 1), reason="detained")
    Member.objects.filter(pk=member.pk).update(status="transferred", exited_on=D(2026, 4, 1))
    again = services.register_member(
        actor=TESTS,
        org=org("CT01-ZB1"),
        data=data_for(id_number=services.decrypt_id(Member.objects.get(pk=member.pk))),
    )
    assert again.pk == member.pk
    stored = Member.objects.get(pk=member.pk)
    assert (stored.status, stored.lost_contact_since, stored.rights_suspended_since) == (
        "full",
        None,
        None,
    )
    assert (stored.exited_on, stored.exit_kind) == (None, "")


@pytest.mark.django_db
def test_the_watch_filter_agrees_with_the_rule_on_an_open_end(client_for, org) -> None:
    branch = org("CT01-ZB1")
    open_end = make_member(branch, name="察看无截止")
    Member.objects.filter(pk=open_end.pk).update(watch_from=clock.today() - timedelta(days=3))
    assert under_watch(clock.today() - timedelta(days=3), None, clock.today())
    rows = client_for("secretary1").get("/api/members/", {"state": "watch"}).json()
    names = [r["name"] for r in rows.get("results", rows)]
    assert names == ["察看无截止"]
