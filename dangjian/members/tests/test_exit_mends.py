"""Mends at the end of membership: 出党 waits for a pending transfer letter to be revoked, 去世
closes it, and every way off the registry (出党, 去世, 转出) ends the management states and the
open 流动 record in the same step, named in its audit entry."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry, Transition
from dangjian.members import movements, standing
from dangjian.members.choices import EventKind, MemberStatus, TransferStatus
from dangjian.members.fields import MANAGEMENT_STATES
from dangjian.members.models import Member, MemberEvent, MobileRecord, TransferOut
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db

TESTS = SystemActor("tests")
D = date
ISSUED = D(2026, 5, 31)


@pytest.fixture
def keeper(user):
    return user("secretary1")


@pytest.fixture
def branch(org):
    return org("CT01-ZB1")


def _letter(member: Member, issued_on: date = ISSUED) -> TransferOut:
    return movements.issue_transfer_out(
        member,
        actor=TESTS,
        letter_no="城建转〔2026〕7号",
        destination="杭州市某公司党委",
        issued_on=issued_on,
    )


def _written() -> tuple[int, int, int, int]:
    return (
        AuditEntry.objects.count(),
        MemberEvent.objects.count(),
        Transition.objects.count(),
        TransferOut.objects.filter(status=TransferStatus.PENDING).count(),
    )


# --- 1. a pending letter at 出党 and 去世 ------------------------------------------------------


def test_exit_with_a_pending_letter_is_refused_naming_it_and_writes_nothing(branch, keeper):
    member = make_member(branch)
    letter = _letter(member)
    before = _written()
    with pytest.raises(ValidationError) as refused:
        standing.record_exit(
            member, actor=keeper, on=D(2026, 6, 10), kind="expelled", decision="党委决定"
        )
    message = refused.value.message_dict["__all__"][0]
    assert "城建转〔2026〕7号" in message and "杭州市某公司党委" in message
    assert "请先撤销该介绍信" in message
    assert _written() == before
    assert Member.objects.get(pk=member.pk).status == MemberStatus.FULL
    assert TransferOut.objects.get(pk=letter.pk).status == TransferStatus.PENDING


def test_exit_after_the_letter_is_revoked(branch, keeper):
    member = make_member(branch)
    letter = _letter(member)
    movements.revoke_transfer_out(letter, actor=keeper, on=D(2026, 6, 9), reason="拟开除党籍")
    stored = TransferOut.objects.get(pk=letter.pk)
    assert (stored.status, stored.closed_on, stored.note) == (
        TransferStatus.REVOKED,
        D(2026, 6, 9),
        "拟开除党籍",
    )
    revoke = AuditEntry.objects.filter(action="members.transfer_out.revoke").get()
    assert revoke.changes["reason"] == "拟开除党籍" and revoke.actor_username == "secretary1"
    assert MemberEvent.objects.filter(
        member=member, kind=EventKind.TRANSFER_OUT_REVOKED, occurred_on=D(2026, 6, 9)
    ).exists()
    standing.record_exit(
        member, actor=keeper, on=D(2026, 6, 10), kind="expelled", decision="党委决定"
    )
    assert Member.objects.get(pk=member.pk).status == MemberStatus.EXPELLED


@pytest.mark.parametrize(
    ("on", "reason", "field", "fragment"),
    [
        (D(2026, 6, 9), " ", "reason", "请填写撤销原因"),
        (D(2026, 5, 30), "不再转出", "on", "不能早于介绍信的开具日期2026-05-31"),
    ],
)
def test_revoke_refusals_write_nothing(branch, keeper, on, reason, field, fragment):
    letter = _letter(make_member(branch))
    before = _written()
    with pytest.raises(ValidationError) as refused:
        movements.revoke_transfer_out(letter, actor=keeper, on=on, reason=reason)
    assert fragment in refused.value.message_dict[field][0]
    assert _written() == before


def test_a_revoked_or_completed_letter_is_not_revoked_again(branch, keeper):
    letter = _letter(make_member(branch))
    movements.revoke_transfer_out(letter, actor=keeper, on=D(2026, 6, 9), reason="不再转出")
    with pytest.raises(ValidationError) as again:
        movements.revoke_transfer_out(letter, actor=keeper, on=D(2026, 6, 10), reason="再撤")
    assert again.value.message_dict["reason"] == ["该介绍信已撤销，不能撤销"]


def test_death_closes_the_pending_letter_marked_why(branch, keeper):
    member = make_member(branch)
    letter = _letter(member)
    standing.record_death(member, actor=keeper, on=D(2026, 6, 20))
    stored = TransferOut.objects.get(pk=letter.pk)
    assert stored.status == TransferStatus.REVOKED
    assert (stored.closed_on, stored.note) == (D(2026, 6, 20), standing.DIED_REASON)
    assert Member.objects.get(pk=member.pk).status == MemberStatus.DECEASED
    assert not TransferOut.objects.filter(member=member, status=TransferStatus.PENDING).exists()
    # A new letter needs a member in service.
    with pytest.raises(ValidationError) as refused:
        _letter(Member.objects.get(pk=member.pk), issued_on=D(2026, 6, 21))
    assert refused.value.message_dict["letter_no"] == ["死亡不能开具转出介绍信"]


# --- 2. management states end with membership -----------------------------------------------


def _busy(branch: Any) -> Member:
    """In service, away, out of touch, under 留党察看 and with rights suspended."""
    member = make_member(branch)
    movements.start_mobility(member, actor=TESTS, place="杭州市", left_on=D(2026, 3, 1))
    movements.mark_lost_contact(member, actor=TESTS, since=D(2026, 3, 5))
    standing.place_under_watch(
        member,
        actor=TESTS,
        watch_from=D(2026, 4, 1),
        watch_until=D(2027, 4, 1),
        decision="党委决定",
    )
    standing.suspend_rights(member, actor=TESTS, since=D(2026, 4, 2), reason="arrested")
    return Member.objects.get(pk=member.pk)


def _assert_ended(member: Member, on: date, audit_action: str) -> None:
    stored = Member.objects.get(pk=member.pk)
    assert {name: getattr(stored, name) for name in MANAGEMENT_STATES} == MANAGEMENT_STATES
    assert stored.exited_on == on
    record = MobileRecord.objects.get(member=member)
    assert record.returned_on == on
    entry = AuditEntry.objects.filter(action=audit_action, object_id=str(member.pk)).get()
    assert entry.changes["cleared"] == {
        "mobile_since": "2026-03-01",
        "lost_contact_since": "2026-03-05",
        "watch_from": "2026-04-01",
        "watch_until": "2027-04-01",
        "rights_suspended_since": "2026-04-02",
        "rights_suspension": "arrested",
    }
    assert entry.changes["mobility_closed"] == [{"place": "杭州市", "returned_on": on.isoformat()}]


def test_exit_ends_the_management_states_in_its_own_audit_entry(branch, keeper):
    member = _busy(branch)
    standing.record_exit(
        member, actor=keeper, on=D(2026, 6, 10), kind="expelled", decision="党委决定"
    )
    _assert_ended(member, D(2026, 6, 10), "members.member.exit")


def test_death_ends_the_management_states_in_its_own_audit_entry(branch, keeper):
    member = _busy(branch)
    standing.record_death(member, actor=keeper, on=D(2026, 6, 11))
    _assert_ended(member, D(2026, 6, 11), "members.member.decease")


def test_a_completed_transfer_ends_the_management_states(branch, keeper):
    member = _busy(branch)
    letter = _letter(member)
    movements.complete_transfer_out(
        letter,
        actor=keeper,
        on=D(2026, 6, 12),
        receipt_org="杭州市某公司党委",
        receipt_on=D(2026, 6, 11),
    )
    _assert_ended(member, D(2026, 6, 12), "members.member.transferred_out")


def test_an_exit_without_management_states_names_nothing_cleared(branch, keeper):
    member = make_member(branch)
    standing.record_death(member, actor=keeper, on=D(2026, 6, 11))
    entry = AuditEntry.objects.filter(action="members.member.decease").get()
    assert "cleared" not in entry.changes and "mobility_closed" not in entry.changes


def test_the_member_page_offers_revoke_and_the_page_revokes(branch, client_for):
    member = make_member(branch)
    letter = _letter(member)
    client = client_for("secretary1")
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert f"/members/transfers/out/{letter.pk}/revoke/" in page
    url = f"/members/transfers/out/{letter.pk}/revoke/"
    # Irreversible: without the confirmation nothing happens.
    unconfirmed = client.post(url, {"reason": "转移取消", "on": "2026-06-09"})
    assert unconfirmed.status_code == 200 and "请勾选确认后再提交" in unconfirmed.content.decode()
    assert TransferOut.objects.get(pk=letter.pk).status == TransferStatus.PENDING
    done = client.post(
        url, {"reason": "转移取消", "on": "2026-06-09", "confirm": "on"}, follow=True
    ).content.decode()
    assert "已撤销介绍信城建转〔2026〕7号" in done
    assert TransferOut.objects.get(pk=letter.pk).status == TransferStatus.REVOKED
    assert f"/members/transfers/out/{letter.pk}/revoke/" not in done


def test_a_revoked_letter_prints_marked_void(branch, keeper, client_for):
    letter = _letter(make_member(branch))
    client = client_for("secretary1")
    url = f"/members/transfers/out/{letter.pk}/print/"
    assert "已撤销作废" not in client.get(url).content.decode()
    movements.revoke_transfer_out(letter, actor=keeper, on=D(2026, 6, 9), reason="不再转出")
    assert "已撤销作废" in client.get(url).content.decode()
