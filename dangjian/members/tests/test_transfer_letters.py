"""Transfer letters out of the platform: expiry on the day after ``valid_until`` (rule, daily job
and every page), reissue of an expired letter, the 回执 recorded on completion, and the
printable letter with its 存根 and 回执."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry, Transition
from dangjian.core.scheduler import RunContext
from dangjian.members import movements, services
from dangjian.members.choices import EventKind, MemberStatus, TransferStatus
from dangjian.members.models import Member, MemberEvent, TransferOut
from dangjian.members.periodic import expire_letters
from dangjian.members.rules import (
    letter_expired,
    letter_expired_message,
    letter_state,
    receipt_errors,
    reissue_validity_error,
)
from dangjian.members.tests.helpers import data
from dangjian.testkit.queries import assert_queries, capture_queries

pytestmark = pytest.mark.django_db

TESTS = SystemActor("tests")


# --- the pure rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_until", "on", "expired"),
    [
        (date(2026, 8, 31), date(2026, 8, 30), False),
        (date(2026, 8, 31), date(2026, 8, 31), False),  # the last valid day
        (date(2026, 8, 31), date(2026, 9, 1), True),  # the next day
        (date(2026, 12, 31), date(2027, 1, 1), True),  # across a year end
        (date(2028, 2, 29), date(2028, 2, 29), False),  # a leap day is a valid day
        (date(2028, 2, 29), date(2028, 3, 1), True),
        (date(2026, 8, 31), date(2026, 1, 1), False),  # before issue: not expired either
    ],
)
def test_letter_expiry_on_its_last_valid_day_and_the_next(valid_until, on, expired) -> None:
    assert letter_expired(valid_until, on) is expired
    assert letter_state("pending", valid_until, on) == ("expired" if expired else "pending")


@pytest.mark.parametrize("stored", ["accepted", "rejected", "expired"])
def test_only_a_pending_letter_is_shown_expired_by_date(stored) -> None:
    until = date(2026, 8, 31)
    for on in (until, until + timedelta(days=1)):
        assert letter_state(stored, until, on) == stored


def test_the_expiry_message_names_the_last_valid_and_the_first_expired_day() -> None:
    assert letter_expired_message(date(2028, 2, 29)) == (
        "介绍信有效期至2028-02-29，已于2028-03-01过期，请重新开具"
    )


@pytest.mark.parametrize(
    ("org", "on", "errors"),
    [
        ("接收党委", date(2026, 6, 1), {}),  # the issue day itself
        ("接收党委", date(2026, 6, 10), {}),  # today
        ("", date(2026, 6, 5), {"receipt_org": "请填写回执上的接收党组织"}),
        ("  ", date(2026, 6, 5), {"receipt_org": "请填写回执上的接收党组织"}),
        ("接收党委", None, {"receipt_on": "请填写回执日期"}),
        ("接收党委", date(2026, 5, 31), {"receipt_on": "回执日期不能早于介绍信开具日期2026-06-01"}),
        ("接收党委", date(2026, 6, 11), {"receipt_on": "回执日期不能晚于今天"}),
        (
            "",
            None,
            {"receipt_org": "请填写回执上的接收党组织", "receipt_on": "请填写回执日期"},
        ),
    ],
)
def test_the_receipt_needs_an_organisation_and_a_date_in_range(org, on, errors) -> None:
    found = receipt_errors(
        receipt_org=org, receipt_on=on, issued_on=date(2026, 6, 1), today=date(2026, 6, 10)
    )
    assert found == errors


@pytest.mark.parametrize(
    ("valid_until", "error"),
    [
        (date(2026, 9, 30), None),  # the longest the county allows
        (date(2026, 7, 1), None),  # the issue day: valid that one day
        (date(2026, 10, 1), "有效期不能超过2026-09-30（县级规定的介绍信有效期）"),
        (date(2026, 6, 30), "有效期不能早于开具日期"),
    ],
)
def test_a_reissued_letter_is_valid_from_its_day_for_at_most_the_county_months(
    valid_until, error
) -> None:
    found = reissue_validity_error(
        valid_until, issued_on=date(2026, 7, 1), longest=date(2026, 9, 30)
    )
    assert found == error


# --- services -------------------------------------------------------------------------------


def _member(org: Any, name: str = "转出党员") -> Member:
    return services.register_member(actor=TESTS, org=org("CT01-ZB1"), data=data(name=name))


def _letter(org: Any, issued_on: date = date(2026, 5, 31), **kw: Any) -> TransferOut:
    """A pending letter; issued 2026-05-31 it is valid through 2026-08-31 (3 months)."""
    member = kw.pop("member", None) or _member(org)
    return movements.issue_transfer_out(
        member,
        actor=TESTS,
        letter_no=kw.pop("letter_no", "城建转〔2026〕1号"),
        destination="杭州市某公司党委",
        issued_on=issued_on,
    )


def _written() -> tuple[int, int, int, int]:
    return (
        AuditEntry.objects.count(),
        MemberEvent.objects.count(),
        TransferOut.objects.count(),
        Transition.objects.count(),
    )


def _refused(field: str, fragment: str, call: Any, **kwargs: Any) -> None:
    before = _written()
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    assert fragment in " ".join(caught.value.message_dict[field]), caught.value.message_dict
    assert _written() == before


def test_completion_on_the_last_valid_day_records_the_receipt(org, user) -> None:
    letter = _letter(org)
    assert letter.valid_until == date(2026, 8, 31)
    movements.complete_transfer_out(
        letter,
        actor=user("secretary1"),
        on=date(2026, 8, 31),
        receipt_org=" 杭州市某公司党委 ",
        receipt_on=date(2026, 8, 28),
    )
    stored = TransferOut.objects.get(pk=letter.pk)
    assert stored.status == TransferStatus.ACCEPTED
    assert (stored.receipt_org, stored.receipt_on) == ("杭州市某公司党委", date(2026, 8, 28))
    assert stored.closed_on == date(2026, 8, 31)
    assert Member.objects.get(pk=letter.member_id).status == MemberStatus.TRANSFERRED
    entry = AuditEntry.objects.filter(action="members.transfer_out.complete").latest("seq")
    assert entry.changes["receipt_org"] == "杭州市某公司党委"
    assert entry.changes["receipt_on"] == "2026-08-28"
    done = MemberEvent.objects.get(member_id=letter.member_id, kind=EventKind.TRANSFER_OUT_DONE)
    assert "2026-08-28回执" in done.summary


def test_completing_a_letter_past_validity_is_refused_before_the_job_ran(org, user) -> None:
    letter = _letter(org)
    _refused(
        "receipt_on",
        "介绍信有效期至2026-08-31，已于2026-09-01过期，请重新开具",
        movements.complete_transfer_out,
        transfer=letter,
        actor=user("secretary1"),
        on=date(2026, 9, 1),
        receipt_org="杭州市某公司党委",
        receipt_on=date(2026, 8, 30),  # a receipt dated in time does not revive the letter
    )
    assert TransferOut.objects.get(pk=letter.pk).status == TransferStatus.PENDING
    assert Member.objects.get(pk=letter.member_id).status == MemberStatus.FULL


def test_completing_a_letter_the_job_expired_is_refused(org, user) -> None:
    letter = _letter(org)
    assert movements.expire_overdue_letters(today=date(2026, 9, 1), now=clock.now()) == 1
    _refused(
        "receipt_on",
        "介绍信有效期至2026-08-31，已于2026-09-01过期，请重新开具",
        movements.complete_transfer_out,
        transfer=letter,
        actor=user("secretary1"),
        on=date(2026, 8, 31),  # even on a day within validity: the recorded state decides
        receipt_org="杭州市某公司党委",
        receipt_on=date(2026, 8, 30),
    )


@pytest.mark.parametrize(
    ("receipt_org", "receipt_on", "field", "fragment"),
    [
        ("", date(2026, 6, 5), "receipt_org", "请填写回执上的接收党组织"),
        ("杭州市某公司党委", None, "receipt_on", "请填写回执日期"),
        ("杭州市某公司党委", date(2026, 5, 30), "receipt_on", "不能早于介绍信开具日期"),
        ("杭州市某公司党委", date(2026, 6, 11), "receipt_on", "不能晚于今天"),
        ("杭州\u202e党委", date(2026, 6, 5), "receipt_org", "不可见的控制字符"),
    ],
)
def test_completion_without_a_proper_receipt_writes_nothing(
    org, user, receipt_org, receipt_on, field, fragment
) -> None:
    letter = _letter(org)
    _refused(
        field,
        fragment,
        movements.complete_transfer_out,
        transfer=letter,
        actor=user("secretary1"),
        on=date(2026, 6, 10),
        receipt_org=receipt_org,
        receipt_on=receipt_on,
    )


def _pending_until(org: Any, valid_until: date, name: str) -> TransferOut:
    letter = _letter(org, member=_member(org, name), letter_no=name)
    TransferOut.objects.filter(pk=letter.pk).update(valid_until=valid_until)
    return TransferOut.objects.get(pk=letter.pk)


def test_the_daily_job_expires_exactly_the_past_due_pending_letters_once(org) -> None:
    # The run for the slot 2026-09-01 00:05 in the county (16:05 UTC the day before).
    now = datetime(2026, 8, 31, 16, 5, tzinfo=UTC)
    yesterday = _pending_until(org, date(2026, 8, 31), "昨天到期")
    today = _pending_until(org, date(2026, 9, 1), "今天到期")
    missed = _pending_until(org, date(2026, 3, 1), "早已到期")  # the scheduler was down
    completed = _pending_until(org, date(2026, 8, 1), "已办结")
    TransferOut.objects.filter(pk=completed.pk).update(status=TransferStatus.ACCEPTED)
    before = AuditEntry.objects.filter(action="members.transfer_out.expire").count()
    others = TransferOut.objects.filter(status="pending", valid_until__lt=date(2026, 9, 1))
    assert not others.exclude(pk__in=[yesterday.pk, missed.pk]).exists()  # the demo's are later

    first = expire_letters(RunContext(now=now, slot=now, trigger="schedule"))
    assert first is not None and first.counts == {"expired": 2}
    states = dict(
        TransferOut.objects.filter(
            pk__in=[yesterday.pk, today.pk, missed.pk, completed.pk]
        ).values_list("letter_no", "status")
    )
    assert states == {
        "昨天到期": "expired",
        "今天到期": "pending",
        "早已到期": "expired",
        "已办结": "accepted",
    }
    entries = AuditEntry.objects.filter(action="members.transfer_out.expire")
    assert entries.count() == before + 2
    assert set(entries.order_by("-seq")[:2].values_list("actor_username", flat=True)) == {
        "system:members.expire_letters"
    }
    expired_events = MemberEvent.objects.filter(kind=EventKind.TRANSFER_OUT_EXPIRED)
    assert dict(expired_events.values_list("member_id", "occurred_on")) == {
        yesterday.member_id: date(2026, 9, 1),
        missed.member_id: date(2026, 3, 2),
    }

    written = _written()
    again = expire_letters(RunContext(now=now + timedelta(minutes=1), slot=None, trigger="manual"))
    assert again is not None and again.counts == {"expired": 0}
    assert _written() == written


def test_reissue_replaces_an_expired_letter_with_a_linked_pending_one(org, user) -> None:
    secretary = user("secretary1")
    old = _letter(org)  # pending, past validity on 2026-09-05, the job has not run
    new = movements.reissue_transfer_out(
        old, actor=secretary, on=date(2026, 9, 5), letter_no="城建转〔2026〕2号"
    )
    old.refresh_from_db()
    assert old.status == TransferStatus.EXPIRED
    assert new.status == TransferStatus.PENDING and new.reissued_from == old
    assert (new.issued_on, new.valid_until) == (date(2026, 9, 5), date(2026, 12, 5))
    assert new.destination == old.destination and new.member_id == old.member_id
    expire = AuditEntry.objects.filter(action="members.transfer_out.expire").latest("seq")
    assert expire.actor_username == "secretary1"
    reissue = AuditEntry.objects.filter(action="members.transfer_out.reissue").latest("seq")
    assert reissue.changes["reissued_from"] == "城建转〔2026〕1号"
    assert reissue.changes["letter_no"] == "城建转〔2026〕2号"
    kinds = list(
        MemberEvent.objects.filter(member_id=old.member_id)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds[-2:] == [EventKind.TRANSFER_OUT_EXPIRED, EventKind.TRANSFER_OUT_REISSUED]

    _refused(
        "letter_no",
        "已重新开具为城建转〔2026〕2号",
        movements.reissue_transfer_out,
        letter=old,
        actor=secretary,
        on=date(2026, 9, 6),
        letter_no="城建转〔2026〕3号",
    )
    # The new letter completes normally and the old one stays expired.
    movements.complete_transfer_out(
        new,
        actor=secretary,
        on=date(2026, 10, 1),
        receipt_org="杭州市某公司党委",
        receipt_on=date(2026, 9, 28),
    )
    assert TransferOut.objects.get(pk=old.pk).status == TransferStatus.EXPIRED


def test_reissue_of_a_letter_the_job_expired_with_a_shorter_validity(org, user) -> None:
    old = _letter(org)
    movements.expire_overdue_letters(today=date(2026, 9, 2), now=clock.now())
    expiries = AuditEntry.objects.filter(action="members.transfer_out.expire").count()
    new = movements.reissue_transfer_out(
        old,
        actor=user("clerk1"),
        on=date(2026, 9, 5),
        letter_no="城建转〔2026〕2号",
        valid_until=date(2026, 10, 5),
    )
    assert new.valid_until == date(2026, 10, 5) and new.reissued_from_id == old.pk
    # Already recorded as expired: no second expiry entry.
    assert AuditEntry.objects.filter(action="members.transfer_out.expire").count() == expiries


@pytest.mark.parametrize(
    ("on", "letter_no", "valid_until", "field", "fragment"),
    [
        (date(2026, 8, 31), "新号", None, "letter_no", "仍在有效期内（至2026-08-31）"),
        (date(2026, 9, 1), "城建转〔2026〕1号", None, "letter_no", "应使用新的编号"),
        (date(2026, 9, 1), " ", None, "letter_no", "请填写介绍信编号"),
        (date(2026, 9, 1), "新号", date(2026, 12, 2), "valid_until", "不能超过2026-12-01"),
        (date(2026, 9, 1), "新号", date(2026, 8, 31), "valid_until", "不能早于开具日期"),
    ],
)
def test_reissue_refusals_write_nothing(
    org, user, on, letter_no, valid_until, field, fragment
) -> None:
    old = _letter(org)
    _refused(
        field,
        fragment,
        movements.reissue_transfer_out,
        letter=old,
        actor=user("secretary1"),
        on=on,
        letter_no=letter_no,
        valid_until=valid_until,
    )
    assert TransferOut.objects.get(pk=old.pk).status == TransferStatus.PENDING


def test_a_completed_letter_is_not_reissued(org, user) -> None:
    letter = _letter(org)
    movements.complete_transfer_out(
        letter,
        actor=user("secretary1"),
        on=date(2026, 6, 10),
        receipt_org="杭州市某公司党委",
        receipt_on=date(2026, 6, 9),
    )
    _refused(
        "letter_no",
        "该介绍信已接收，不能重新开具",
        movements.reissue_transfer_out,
        letter=letter,
        actor=user("secretary1"),
        on=date(2026, 9, 10),
        letter_no="新号",
    )


# --- pages ----------------------------------------------------------------------------------


def _expired_letter(org: Any) -> TransferOut:
    """Pending but past validity today, whatever today is (the suite also runs in 2028)."""
    return _letter(org, issued_on=clock.today() - timedelta(days=200))


def test_a_pending_letter_past_validity_shows_expired_and_offers_reissue(org, client_for) -> None:
    letter = _expired_letter(org)
    client = client_for("secretary1")
    detail = client.get(f"/members/{letter.member_id}/").content.decode()
    assert "已过期" in detail and "待接收" not in detail
    assert f"/members/transfers/out/{letter.pk}/reissue/" in detail
    assert f"/members/transfers/out/{letter.pk}/complete/" not in detail
    transfers = client.get("/members/transfers/").content.decode()
    assert f"/members/transfers/out/{letter.pk}/reissue/" in transfers
    # An observer sees the state but is offered no action.
    observed = client_for("observer1").get("/members/transfers/").content.decode()
    assert f"/members/transfers/out/{letter.pk}/print/" in observed
    assert f"/members/transfers/out/{letter.pk}/reissue/" not in observed


def test_the_complete_page_refuses_an_expired_letter_on_the_form(org, client_for) -> None:
    letter = _expired_letter(org)
    client = client_for("secretary1")  # signing in is audited: before counting
    before = _written()
    response = client.post(
        f"/members/transfers/out/{letter.pk}/complete/",
        {
            "receipt_org": "杭州市某公司党委",
            "receipt_on": clock.today().isoformat(),
            "confirm": "on",
        },
    )
    assert response.status_code == 200
    assert "请重新开具" in response.context["form"].errors["receipt_on"][0]
    assert _written() == before


def test_the_reissue_page_issues_and_leads_to_the_printable_letter(org, client_for) -> None:
    old = _expired_letter(org)
    client = client_for("secretary1")
    response = client.post(
        f"/members/transfers/out/{old.pk}/reissue/",
        {"letter_no": "城建转〔2026〕9号", "on": clock.today().isoformat()},
    )
    new = TransferOut.objects.get(reissued_from=old)
    assert response.status_code == 302
    assert response["Location"] == f"/members/transfers/out/{new.pk}/print/"
    page = client.get(response["Location"]).content.decode()
    assert "城建转〔2026〕1号已过期" in page and "已过期作废" not in page
    detail = client.get(f"/members/{old.member_id}/").content.decode()
    assert "已重新开具为城建转〔2026〕9号" in detail


def test_the_completed_letter_shows_its_receipt_on_the_member_page(org, client_for) -> None:
    letter = _letter(org, issued_on=clock.today() - timedelta(days=5))
    client = client_for("secretary1")
    page = client.get(f"/members/transfers/out/{letter.pk}/complete/").content.decode()
    assert 'value="杭州市某公司党委"' in page  # the destination is proposed
    receipt_on = clock.today() - timedelta(days=1)
    response = client.post(
        f"/members/transfers/out/{letter.pk}/complete/",
        {
            "receipt_org": "杭州市某公司党委组织部",
            "receipt_on": receipt_on.isoformat(),
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    detail = client.get(f"/members/{letter.member_id}/").content.decode()
    assert f"回执：杭州市某公司党委组织部，{receipt_on:%Y-%m-%d}" in detail


def test_the_printable_letter_has_stub_letter_and_receipt_with_the_masked_id(
    org, client_for
) -> None:
    letter = _letter(org, issued_on=clock.today() - timedelta(days=3))
    member = Member.objects.get(pk=letter.member_id)
    page = client_for("secretary1").get(f"/members/transfers/out/{letter.pk}/print/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "党员组织关系介绍信（存根）" in html and "介绍信回执" in html
    assert html.count('class="letter-cut"') == 2
    assert html.count(letter.letter_no) >= 3 and html.count(member.id_number_masked) == 3
    assert services.decrypt_id(member) not in html
    assert html.count(f'<span class="fill">{member.name}</span>') == 3
    assert "正式</span>党员" in html and "党费已交到" in html
    assert 'href="/static/dangjian/letter.css"' in html
    assert "已过期作废" not in html


def test_an_expired_letter_prints_marked_void(org, client_for) -> None:
    letter = _expired_letter(org)
    html = client_for("secretary1").get(f"/members/transfers/out/{letter.pk}/print/")
    assert "已过期作废" in html.content.decode()


def test_the_demo_county_has_an_expired_letter_to_reissue(client_for) -> None:
    letter = TransferOut.objects.get(letter_no="城建组转〔2026〕3号")
    assert letter.status == TransferStatus.PENDING and letter.valid_until == date(2026, 9, 15)
    assert letter.state_on(clock.today()) == TransferStatus.EXPIRED
    page = client_for("supervisor").get("/members/transfers/").content.decode()
    assert f"/members/transfers/out/{letter.pk}/reissue/" in page


@pytest.mark.parametrize("url", ["/members/transfers/", "member"])
def test_letter_pages_cost_the_same_with_more_letters(org, client_for, url) -> None:
    member = _member(org, "多封介绍信")
    first = _letter(org, member=member, issued_on=clock.today() - timedelta(days=600))
    client = client_for("secretary1")
    path = f"/members/{member.pk}/" if url == "member" else url
    with capture_queries() as few:
        assert client.get(path).status_code == 200
    previous = first
    for i in range(5):  # a chain of reissues, each replacing the one before
        previous = movements.reissue_transfer_out(
            previous,
            actor=TESTS,
            on=previous.valid_until + timedelta(days=1),
            letter_no=f"重开{i}",
        )
    with assert_queries(few.count, label=path):
        assert client.get(path).status_code == 200
    assert TransferOut.objects.filter(member=member).count() == 6
