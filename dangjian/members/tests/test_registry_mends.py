"""Mends in the registry: one 留党察看 at a time, the right answer to a transfer-in letter for a
member who died or left the Party, and reissue only of the member's current letter, read under
its row lock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry, Transition
from dangjian.members import movements, standing
from dangjian.members.choices import TransferStatus
from dangjian.members.models import Member, MemberEvent, TransferIn, TransferOut
from dangjian.members.rules import mask_id, watch_ongoing, watch_overlap_error
from dangjian.members.services import decrypt_id
from dangjian.members.tests.factories import make_member
from dangjian.members.tests.helpers import new_id
from dangjian.testkit.queries import capture_queries

pytestmark = pytest.mark.django_db

TESTS = SystemActor("tests")
D = date


def _written() -> tuple[int, int, int, int, int]:
    return (
        AuditEntry.objects.count(),
        MemberEvent.objects.count(),
        Transition.objects.count(),
        TransferOut.objects.count(),
        TransferIn.objects.count(),
    )


# --- 3. one 留党察看 at a time ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "new", "overlaps"),
    [
        ((None, None), (D(2026, 3, 1), D(2027, 3, 1)), False),
        ((D(2026, 3, 1), D(2027, 3, 1)), (D(2027, 3, 1), D(2028, 3, 1)), True),  # shared day
        ((D(2026, 3, 1), D(2027, 3, 1)), (D(2027, 3, 2), D(2028, 3, 1)), False),  # the day after
        ((D(2026, 3, 1), D(2027, 3, 1)), (D(2025, 3, 1), D(2026, 3, 1)), True),
        ((D(2026, 3, 1), D(2027, 3, 1)), (D(2025, 3, 1), D(2026, 2, 28)), False),  # before it
        ((D(2026, 3, 1), D(2027, 3, 1)), (D(2026, 6, 1), D(2026, 9, 1)), True),  # inside
        ((D(2026, 3, 1), None), (D(2029, 1, 1), D(2030, 1, 1)), True),  # an open end
    ],
)
def test_a_watch_overlaps_another_that_shares_a_day(held, new, overlaps) -> None:
    message = watch_overlap_error(*held, *new)
    assert (message is not None) is overlaps
    if message:
        assert "不能重复登记" in message and f"{held[0]:%Y-%m-%d}起" in message


@pytest.mark.parametrize(
    ("until", "today", "ongoing"),
    [
        (D(2027, 3, 1), D(2027, 3, 1), True),  # its last day
        (D(2027, 3, 1), D(2027, 3, 2), False),
        (D(2027, 3, 1), D(2026, 1, 1), True),  # decided, not yet begun
        (None, D(2030, 1, 1), True),
    ],
)
def test_a_watch_is_ongoing_until_its_last_day(until, today, ongoing) -> None:
    assert watch_ongoing(D(2026, 3, 1), until, today) is ongoing
    assert watch_ongoing(None, None, today) is False


def _watch(member: Member, start: date, end: date) -> None:
    standing.place_under_watch(
        member, actor=TESTS, watch_from=start, watch_until=end, decision="党委决定"
    )


def test_a_second_overlapping_watch_is_refused_and_the_first_kept(org) -> None:
    member = make_member(org("CT01-ZB1"))
    _watch(member, D(2026, 3, 1), D(2027, 3, 1))
    before, version = _written(), Member.objects.get(pk=member.pk).version
    with pytest.raises(ValidationError) as refused:
        _watch(member, D(2026, 9, 1), D(2027, 9, 1))
    assert refused.value.message_dict["watch_from"] == [
        "该党员已受留党察看（2026-03-01起至2027-03-01），新的察看期与之重叠，不能重复登记"
    ]
    stored = Member.objects.get(pk=member.pk)
    assert (stored.watch_from, stored.watch_until, stored.version) == (
        D(2026, 3, 1),
        D(2027, 3, 1),
        version,
    )
    assert _written() == before


def test_a_later_watch_after_the_first_ended_is_recorded(org) -> None:
    member = make_member(org("CT01-ZB1"))
    _watch(member, D(2024, 3, 1), D(2025, 3, 1))
    _watch(member, D(2026, 3, 1), D(2026, 9, 1))
    stored = Member.objects.get(pk=member.pk)
    assert (stored.watch_from, stored.watch_until) == (D(2026, 3, 1), D(2026, 9, 1))
    assert MemberEvent.objects.filter(member=member, kind="watch").count() == 2


def test_the_member_page_hides_the_watch_while_one_lasts(org, client_for) -> None:
    member = make_member(org("CT01-ZB1"))
    client = client_for("secretary1")
    assert "/do/watch/" in client.get(f"/members/{member.pk}/").content.decode()
    today = clock.today()
    _watch(member, today - timedelta(days=10), today + timedelta(days=300))
    assert "/do/watch/" not in client.get(f"/members/{member.pk}/").content.decode()


# --- 5. a transfer-in letter for a member who died or left the Party ---------------------------


def _receive(org, id_number: str) -> None:
    movements.receive_transfer_in(
        actor=TESTS,
        org=org("CT01-ZB1"),
        name="来函党员",
        id_number=id_number,
        from_org="外县某支部",
        letter_no="外转〔2026〕9号",
        received_on=D(2026, 11, 1),
        admitted_on=D(2015, 6, 1),
        full_on=D(2016, 6, 1),
    )


@pytest.mark.parametrize(
    ("end", "fragment"),
    [
        ("death", "该党员已于2026-04-02登记为死亡，不能转入"),
        ("exit", "该党员已于2026-04-02登记出党（开除党籍），不能转入"),
    ],
)
def test_a_letter_for_a_member_who_died_or_left_says_so(org, user, end, fragment) -> None:
    member = make_member(org("CT01-ZB1"))
    keeper = user("secretary1")
    if end == "death":
        standing.record_death(member, actor=keeper, on=D(2026, 4, 2))
    else:
        standing.record_exit(
            member, actor=keeper, on=D(2026, 4, 2), kind="expelled", decision="党委决定"
        )
    before = _written()
    with pytest.raises(ValidationError) as refused:
        _receive(org, decrypt_id(member))
    assert refused.value.message_dict["id_number"] == [fragment]
    assert "平台内转移" not in fragment
    assert _written() == before


def test_a_letter_for_a_member_in_service_still_points_to_the_move(org) -> None:
    member = make_member(org("CT01-ZB1"))
    with pytest.raises(ValidationError) as refused:
        _receive(org, decrypt_id(member))
    assert refused.value.message_dict["id_number"] == ["该党员已在本平台登记，请使用平台内转移"]


# --- 6. reissue reads the letter under its lock, and only the current one ---------------------


def _expired_letter(member: Member, letter_no: str, issued_on: date) -> TransferOut:
    letter = movements.issue_transfer_out(
        member,
        actor=TESTS,
        letter_no=letter_no,
        destination="杭州市某公司党委",
        issued_on=issued_on,
    )
    movements.expire_overdue_letters(today=letter.valid_until + timedelta(days=1), now=clock.now())
    return TransferOut.objects.get(pk=letter.pk)


def test_a_stale_copy_of_a_reissued_letter_is_refused(org, user) -> None:
    secretary = user("secretary1")
    old = _expired_letter(make_member(org("CT01-ZB1")), "城建转〔2026〕1号", D(2026, 1, 5))
    stale = TransferOut.objects.get(pk=old.pk)  # the page loaded it before the reissue
    movements.reissue_transfer_out(
        old, actor=secretary, on=D(2026, 5, 1), letter_no="城建转〔2026〕2号"
    )
    movements.complete_transfer_out(
        TransferOut.objects.get(reissued_from=old),
        actor=secretary,
        on=D(2026, 5, 10),
        receipt_org="杭州市某公司党委",
        receipt_on=D(2026, 5, 9),
    )
    before = _written()
    with pytest.raises(ValidationError) as refused:
        movements.reissue_transfer_out(
            stale, actor=secretary, on=D(2026, 5, 11), letter_no="城建转〔2026〕3号"
        )
    assert "已重新开具为城建转〔2026〕2号" in refused.value.message_dict["letter_no"][0]
    assert _written() == before


def test_only_the_members_current_letter_is_reissued(org, user) -> None:
    secretary = user("secretary1")
    member = make_member(org("CT01-ZB1"))
    first = _expired_letter(member, "城建转〔2026〕1号", D(2026, 1, 5))
    second = _expired_letter(member, "城建转〔2026〕5号", D(2026, 5, 5))
    before = _written()
    with pytest.raises(ValidationError) as refused:
        movements.reissue_transfer_out(
            first, actor=secretary, on=D(2026, 9, 1), letter_no="城建转〔2026〕6号"
        )
    assert refused.value.message_dict["letter_no"] == [
        "该介绍信已不是该党员最新的介绍信（最新为城建转〔2026〕5号），请重新开具最新的介绍信"
    ]
    assert _written() == before
    new = movements.reissue_transfer_out(
        second, actor=secretary, on=D(2026, 9, 1), letter_no="城建转〔2026〕6号"
    )
    assert new.reissued_from_id == second.pk and new.status == TransferStatus.PENDING


def test_reissue_reads_the_old_letter_under_its_row_lock(org, user) -> None:
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite takes no row locks: run with DATABASE_URL on PostgreSQL")
    old = _expired_letter(make_member(org("CT01-ZB1")), "城建转〔2026〕1号", D(2026, 1, 5))
    with capture_queries() as log:
        movements.reissue_transfer_out(
            old, actor=user("secretary1"), on=D(2026, 5, 1), letter_no="城建转〔2026〕2号"
        )
    reads = [
        sql
        for sql in log.matching("SELECT")
        if 'FROM "members_transferout"' in sql and f'"id" = {old.pk}' in sql
    ]
    assert reads and "FOR UPDATE" in reads[0], log.listing()


def test_accepting_a_letter_for_a_member_who_died_since_says_so(org, user) -> None:
    keeper = user("secretary1")
    clear = new_id()
    _receive(org, clear)
    incoming = TransferIn.objects.get(id_number_masked=mask_id(clear))
    member = make_member(org("CT01-ZB1"), id_number=clear)
    standing.record_death(member, actor=keeper, on=D(2026, 11, 2))
    before = _written()
    with pytest.raises(ValidationError) as refused:
        movements.accept_transfer_in(incoming, actor=keeper, on=D(2026, 11, 3))
    assert refused.value.message_dict["__all__"] == ["该党员已于2026-11-02登记为死亡，不能转入"]
    assert _written() == before
    assert TransferIn.objects.get(pk=incoming.pk).status == TransferStatus.PENDING
