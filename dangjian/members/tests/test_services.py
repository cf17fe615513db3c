"""Registry and movement services: validation naming fields, nothing written on refusal."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.actors import SystemActor
from dangjian.core.errors import NotAllowed, NotVisible
from dangjian.core.models import AuditEntry
from dangjian.members import movements, services
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, MemberEvent
from dangjian.members.tests.helpers import data, new_id

pytestmark = pytest.mark.django_db


def _refused(field: str, fragment: str, call, *args, **kwargs) -> None:
    before = (Member.objects.count(), AuditEntry.objects.count(), MemberEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert fragment in " ".join(caught.value.message_dict[field])
    assert (
        Member.objects.count(),
        AuditEntry.objects.count(),
        MemberEvent.objects.count(),
    ) == before


def test_register_encrypts_derives_and_audits_without_clear_id(org, user) -> None:
    id_number = new_id(date(1988, 2, 29))
    member = services.register_member(
        actor=user("secretary1"),
        org=org("CT01-ZB1"),
        data=data(id_number=id_number, phone="13912345678"),
    )
    stored = Member.objects.get(pk=member.pk)
    assert id_number not in stored.id_number_enc and stored.id_number_enc.startswith("v1:")
    assert services.decrypt_id(stored) == id_number
    assert stored.birth_date == date(1988, 2, 29)
    assert stored.phone_masked == "139****5678" and "13912345678" not in stored.phone_enc
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "members.member.create"
    assert id_number not in str(entry.changes) and "13912345678" not in str(entry.changes)
    assert stored.events.get().kind == "created"


def test_duplicate_id_is_refused(org) -> None:
    first = services.register_member(actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data())
    _refused(
        "id_number",
        "已登记为党员",
        services.register_member,
        actor=SystemActor("tests"),
        org=org("CT03-ZB1"),
        data=data(id_number=services.decrypt_id(first)),
    )


def test_former_member_is_reactivated_not_duplicated(org) -> None:
    member = services.register_member(
        actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data(name="回流")
    )
    id_number = services.decrypt_id(member)
    Member.objects.filter(pk=member.pk).update(status=MemberStatus.TRANSFERRED)
    again = services.register_member(
        actor=SystemActor("tests"), org=org("JT01-ZB1"), data=data(name="回流", id_number=id_number)
    )
    assert again.pk == member.pk and again.org.code == "JT01-ZB1"
    assert again.status == MemberStatus.FULL
    assert again.events.filter(kind="reactivated").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"full_on": date(2014, 1, 1)}, "full_on", "不能早于入党日期"),
        ({"id_number": "330106199005170001"}, "id_number", "校验位"),
        ({"status": "probationary"}, "status", "不能是预备党员"),
        ({"ethnicity": "火星族"}, "ethnicity", "56个民族"),
        ({"phone": "12345"}, "phone", "11位"),
        (
            {"admitted_on": date(2000, 1, 1), "full_on": date(2001, 1, 1)},
            "admitted_on",
            "未满18周岁",
        ),
        ({"name": " "}, "name", "请填写姓名"),
    ],
)
def test_bad_input_names_the_field(org, overrides, field, fragment) -> None:
    _refused(
        field,
        fragment,
        services.register_member,
        actor=SystemActor("tests"),
        org=org("CT02-ZB1"),
        data=data(**overrides),
    )


def test_members_live_in_branches_only(org) -> None:
    _refused(
        "branch",
        "只能登记在党支部",
        services.register_member,
        actor=SystemActor("tests"),
        org=org("CT02"),
        data=data(),
    )


def test_branch_outside_scope_is_404(org, user) -> None:
    with pytest.raises(NotVisible):
        services.register_member(actor=user("secretary1"), org=org("JT01-ZB1"), data=data())


def test_reveal_is_audited(org, user) -> None:
    member = services.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())
    clear = services.reveal_id_number(member, actor=user("secretary1"))
    assert clear == services.decrypt_id(member)
    assert AuditEntry.objects.latest("seq").action == "members.member.reveal_id"
    with pytest.raises(NotAllowed):
        services.reveal_id_number(member, actor=user("supervisor"))  # may view, may not reveal


def test_move_between_branches_is_one_step_with_history(org, user) -> None:
    member = services.register_member(actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data())
    moved = movements.move_member(
        member, actor=user("supervisor"), to_org=org("CT03-ZB1"), on=date(2026, 10, 1)
    )
    assert moved.org.code == "CT03-ZB1"
    assert moved.events.filter(kind="moved").exists()


def test_transfer_out_letter_valid_for_county_months_then_completed(org, user) -> None:
    member = services.register_member(actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data())
    letter = movements.issue_transfer_out(
        member,
        actor=SystemActor("tests"),
        letter_no="X组转〔2026〕8号",
        destination="杭州市某公司党委",
        issued_on=date(2026, 8, 31),
    )
    assert letter.valid_until == date(2026, 11, 30)
    _refused(
        "letter_no",
        "未办结",
        movements.issue_transfer_out,
        member,
        actor=SystemActor("tests"),
        letter_no="9",
        destination="x",
        issued_on=date(2026, 9, 1),
    )
    movements.complete_transfer_out(
        letter,
        actor=user("supervisor"),
        on=date(2026, 9, 10),
        receipt_org="杭州市某公司党委",
        receipt_on=date(2026, 9, 8),
    )
    assert Member.objects.get(pk=member.pk).status == MemberStatus.TRANSFERRED


def test_transfer_in_accept_and_reject(org, user) -> None:
    secretary = user("secretary1")
    incoming = movements.receive_transfer_in(
        actor=secretary,
        org=org("CT01-ZB1"),
        name="转入者",
        id_number=new_id(),
        from_org="外县某公司党支部",
        letter_no="A-1",
        received_on=date(2026, 11, 1),
        admitted_on=date(2015, 6, 1),
        full_on=date(2016, 6, 1),
    )
    assert "*" in incoming.id_number_masked
    member = movements.accept_transfer_in(incoming, actor=secretary, on=date(2026, 11, 2))
    assert member.org.code == "CT01-ZB1" and member.events.filter(kind="transfer_in").exists()
    other = movements.receive_transfer_in(
        actor=secretary,
        org=org("CT01-ZB1"),
        name="退回者",
        id_number=new_id(),
        from_org="某党支部",
        letter_no="A-2",
        received_on=date(2026, 11, 1),
        admitted_on=date(2015, 6, 1),
        full_on=date(2016, 6, 1),
    )
    _refused(
        "reason",
        "请填写原因",
        movements.reject_transfer_in,
        other,
        actor=secretary,
        on=date(2026, 11, 2),
        reason="",
    )
    movements.reject_transfer_in(other, actor=secretary, on=date(2026, 11, 2), reason="信息不符")


def test_lost_contact_then_suspension_only_after_six_months(org, user) -> None:
    member = services.register_member(actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data())
    movements.mark_lost_contact(member, actor=user("supervisor"), since=date(2026, 5, 2))
    _refused(
        "on",
        "满6个月",
        movements.suspend_membership,
        member,
        actor=SystemActor("tests"),
        on=date(2026, 11, 1),
        decision="支委会决定",
    )
    movements.suspend_membership(
        member, actor=user("supervisor"), on=date(2026, 11, 2), decision="支委会决定"
    )
    assert Member.objects.get(pk=member.pk).status == MemberStatus.SUSPENDED


def test_mobility_round_trip(org, user) -> None:
    member = services.register_member(actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data())
    movements.start_mobility(
        member, actor=user("supervisor"), place="杭州市", left_on=date(2026, 3, 1)
    )
    away = Member.objects.get(pk=member.pk)
    # 流动 is a management state: the member stays a 正式党员 while away.
    assert (away.status, away.mobile_since) == (MemberStatus.FULL, date(2026, 3, 1))
    _refused(
        "returned_on",
        "不能早于外出日期",
        movements.end_mobility,
        member,
        actor=SystemActor("tests"),
        returned_on=date(2026, 2, 1),
    )
    movements.end_mobility(member, actor=user("supervisor"), returned_on=date(2026, 9, 1))
    back = Member.objects.get(pk=member.pk)
    assert (back.status, back.mobile_since) == (MemberStatus.FULL, None)


def test_service_needs_registration_first(org) -> None:
    from decimal import Decimal

    member = services.register_member(actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data())
    _refused(
        "content",
        "尚未到社区报到",
        movements.record_service,
        member,
        actor=SystemActor("tests"),
        served_on=date(2026, 10, 1),
        content="清洁家园",
        hours=Decimal(2),
    )
    movements.register_with_community(
        member, actor=SystemActor("tests"), community="南门社区", registered_on=date(2026, 9, 1)
    )
    movements.record_service(
        member,
        actor=SystemActor("tests"),
        served_on=date(2026, 10, 1),
        content="清洁家园",
        hours=Decimal(2),
    )


def test_suspension_review_lists_members_lost_for_six_months(client_for, org, user) -> None:
    due = services.register_member(
        actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data(name="久未联系")
    )
    recent = services.register_member(
        actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data(name="刚失联")
    )
    movements.mark_lost_contact(due, actor=user("supervisor"), since=date(2025, 12, 1))
    movements.mark_lost_contact(recent, actor=user("supervisor"), since=date.today())
    context = client_for("supervisor").get("/members/suspension-review/").context
    assert "久未联系" in [m.name for m in context["due"]]
    assert "刚失联" in [m.name for m in context["waiting"]]
    assert "刚失联" not in [m.name for m in context["due"]]


def test_unknown_transfer_decision_is_404(client_for, org) -> None:
    incoming = movements.receive_transfer_in(
        actor=SystemActor("tests"),
        org=org("CT01-ZB1"),
        name="某人",
        id_number=new_id(),
        from_org="外县",
        letter_no="Z-1",
        received_on=date(2026, 11, 1),
        admitted_on=date(2015, 6, 1),
        full_on=date(2016, 6, 1),
    )
    client = client_for("secretary1")
    assert client.post(f"/members/transfers/in/{incoming.pk}/approve-all/").status_code == 404


def test_duplicate_message_does_not_reveal_people_outside_scope(org, user) -> None:
    outside = services.register_member(
        actor=SystemActor("tests"), org=org("JT01-ZB1"), data=data(name="外支部")
    )
    with pytest.raises(ValidationError) as caught:
        services.register_member(
            actor=user("secretary1"),
            org=org("CT01-ZB1"),
            data=data(id_number=services.decrypt_id(outside)),
        )
    message = caught.value.message_dict["id_number"][0]
    assert "其他党组织" in message and "外支部" not in message
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "members.member.registered_elsewhere" and entry.outcome == "denied"
    assert entry.changes == {"via": "register", "org": "CT01-ZB1"}


def test_transfer_in_and_edit_hits_outside_scope_are_audited(org, user) -> None:
    outside = services.register_member(
        actor=SystemActor("tests"), org=org("JT01-ZB1"), data=data(name="外支部")
    )
    secretary = user("secretary1")
    with pytest.raises(ValidationError) as caught:
        movements.receive_transfer_in(
            actor=secretary,
            org=org("CT01-ZB1"),
            name="转入",
            id_number=services.decrypt_id(outside),
            from_org="外县",
            letter_no="介9",
            received_on=date(2026, 11, 1),
            admitted_on=date(2015, 6, 1),
            full_on=date(2016, 6, 1),
        )
    assert "其他党组织" in caught.value.message_dict["id_number"][0]
    assert AuditEntry.objects.latest("seq").changes["via"] == "transfer_in"
    mine = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="本支部")
    )
    with pytest.raises(ValidationError):
        services.update_member(
            mine,
            actor=secretary,
            expected_version=mine.version,
            data=data(name="本支部", id_number=services.decrypt_id(outside)),
        )
    assert AuditEntry.objects.latest("seq").changes == {"via": "update", "member": mine.pk}


def test_full_width_id_number_is_the_same_number(org) -> None:
    first = services.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())
    wide = services.decrypt_id(first).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    assert wide != services.decrypt_id(first)
    with pytest.raises(ValidationError, match="已登记为党员"):
        services.register_member(
            actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data(id_number=wide)
        )
    odd = "²" + services.decrypt_id(first)[1:]
    with pytest.raises(ValidationError):  # folded, then checked like any other number
        services.register_member(
            actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data(id_number=odd)
        )


def test_accepting_a_letter_for_a_number_registered_elsewhere_since_is_audited(org, user) -> None:
    secretary = user("secretary1")
    number = new_id()
    incoming = movements.receive_transfer_in(
        actor=secretary,
        org=org("CT01-ZB1"),
        name="迟到的转入",
        id_number=number,
        from_org="外县",
        letter_no="介10",
        received_on=date(2026, 11, 1),
        admitted_on=date(2015, 6, 1),
        full_on=date(2016, 6, 1),
    )
    services.register_member(
        actor=SystemActor("tests"), org=org("JT01-ZB1"), data=data(id_number=number)
    )
    before = Member.objects.count()
    with pytest.raises(ValidationError, match="其他党组织"):
        movements.accept_transfer_in(incoming, actor=secretary, on=date(2026, 11, 2))
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "members.member.registered_elsewhere"
    assert entry.changes["via"] == "transfer_in_accept" and Member.objects.count() == before
