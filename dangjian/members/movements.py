"""Member movements: transfers, moves between branches, mobility, lost contact, 双报到.

Each is one transaction with a timeline event and an audit entry, like the registry services.
Status changes (a member's 党籍状态, a transfer letter's state) are steps of the workflows in
``members.flows``, taken through ``core.workflow.transition``: the table says from which state
and for which role, the transition writes the flip, the version, the history row and the audit
entry together.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, SystemActor
from dangjian.core.ownership import save_versioned
from dangjian.core.provider import crypto
from dangjian.core.rules import add_months, invisible_character_error
from dangjian.core.scoping import require_permits_on
from dangjian.core.validators import check_date, check_name
from dangjian.core.workflow import Workflow, transition
from dangjian.members import flows, notices
from dangjian.members.choices import (
    IN_SERVICE,
    REACTIVATABLE,
    EventKind,
    MemberStatus,
    TransferStatus,
)
from dangjian.members.models import (
    ID_CONTEXT,
    CommunityRegistration,
    Member,
    MobileRecord,
    ServiceRecord,
    TransferIn,
    TransferOut,
)
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import (
    letter_expired,
    letter_expired_from,
    letter_expired_message,
    letter_state,
    lost_contact_review_from,
    lost_contact_review_months,
    mask_id,
    normalise_id,
    receipt_errors,
    reissue_validity_error,
    suspension_review_due,
)
from dangjian.members.services import (
    MemberData,
    RegisteredElsewhere,
    add_event,
    ending_states,
    field_errors,
    id_index,
    lock_member,
    readable_by,
    records_refusals,
    register_member,
)
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import CountySettings, OrgNode


def _allowed(flow: Workflow, obj: Any, action: str) -> None:
    """Refuse a wrong state early, with the step's own message, before the other checks run;
    ``transition`` checks state and role again under the row lock."""
    flow.check_state(obj.status, action)


def _record(
    member: Member,
    actor: Actor,
    kind: str,
    on: date,
    summary: str,
    action: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """A movement's timeline event and its audit entry, always written together (status
    changes get theirs from the transition instead)."""
    add_event(member, kind, on, summary, actor)
    audit.record(action, actor=actor, obj=member, org_path=member.org.path, changes=changes)


@transaction.atomic
def move_member(member: Member, *, actor: Actor, to_org: OrgNode, on: date) -> Member:
    """A move between two branches on the platform: one transaction, both ends recorded."""
    locked = lock_member(member, actor)
    require_permits_on(actor, MemberAction.ADD, to_org)
    if to_org.kind != OrgKind.BRANCH or to_org.is_dissolved:
        raise ValidationError({"to_org": "只能转入未撤销的党支部"})
    if to_org.pk == locked.org_id:
        raise ValidationError({"to_org": "转入党支部与当前所在党支部相同"})
    if locked.status not in IN_SERVICE:
        raise ValidationError({"to_org": f"{locked.get_status_display()}不能办理转移"})
    check_date(on, "on")
    source = locked.org
    locked.org, locked.party_group = to_org, None
    save_versioned(locked, expected_version=locked.version, fields=["org", "party_group"])
    add_event(locked, EventKind.MOVED, on, f"由{source.name}转入{to_org.name}", actor)
    audit.record(
        "members.member.move",
        actor=actor,
        obj=locked,
        org_path=to_org.path,
        changes={"org": [source.pk, to_org.pk], "on": on.isoformat()},
    )
    return locked


def _letter_number_errors(letter_no: str, destination: str) -> dict[str, str]:
    errors = {}
    if not letter_no.strip():
        errors["letter_no"] = "请填写介绍信编号"
    elif message := invisible_character_error(letter_no, label="介绍信编号"):
        errors["letter_no"] = message
    if not destination.strip():
        errors["destination"] = "请填写转往党组织"
    return errors


def _new_letter(
    locked: Member,
    actor: Actor,
    *,
    letter_no: str,
    destination: str,
    issued_on: date,
    valid_until: date,
    replaces: TransferOut | None = None,
) -> TransferOut:
    """A pending letter for ``locked`` (already checked), its timeline event and audit entry."""
    transfer = TransferOut.objects.create(
        member=locked,
        letter_no=letter_no.strip(),
        destination=destination.strip(),
        issued_on=issued_on,
        valid_until=valid_until,
        reissued_from=replaces,
    )
    changes = {
        "letter_no": transfer.letter_no,
        "destination": transfer.destination,
        "valid_until": transfer.valid_until.isoformat(),
    }
    summary = (
        f"开具介绍信{transfer.letter_no}，转往{transfer.destination}，有效期至"
        f"{transfer.valid_until:%Y-%m-%d}"
    )
    if replaces is None:
        kind, action = EventKind.TRANSFER_OUT, "members.transfer_out.issue"
    else:
        kind, action = EventKind.TRANSFER_OUT_REISSUED, "members.transfer_out.reissue"
        changes["reissued_from"] = replaces.letter_no
        summary = f"重新{summary}（原介绍信{replaces.letter_no}已过期）"
    _record(locked, actor, kind, issued_on, summary, action, changes)
    return transfer


def pending_letter(locked: Member) -> TransferOut | None:
    """The member's pending letter (one at most), locked with the member."""
    return (
        TransferOut.objects.select_for_update()
        .filter(member=locked, status=TransferStatus.PENDING)
        .first()
    )


def close_letter(letter: TransferOut, actor: Actor, *, on: date, reason: str) -> None:
    """Take the ``revoke`` step on a pending letter: closed on ``on`` with the reason kept in
    its note, a timeline event on the member and the step's audit entry."""
    transition(
        letter,
        "revoke",
        actor=actor,
        now=clock.now(),
        fields={"closed_on": on, "note": reason},
        changes={"letter_no": letter.letter_no, "reason": reason},
    )
    add_event(
        letter.member,
        EventKind.TRANSFER_OUT_REVOKED,
        on,
        f"撤销介绍信{letter.letter_no}（{reason[:100]}）",
        actor,
    )


@transaction.atomic
def revoke_transfer_out(letter: TransferOut, *, actor: Actor, on: date, reason: str) -> None:
    """Withdraw a pending letter the member will not use (the transfer is called off, or an
    出党 is to be recorded): the member stays on the registry as before."""
    locked = lock_member(letter.member, actor)
    letter = TransferOut.objects.select_for_update().get(pk=letter.pk)
    letter.member = locked
    _allowed(flows.TRANSFER_OUT, letter, "revoke")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因"})
    if message := invisible_character_error(reason, label="撤销原因"):
        raise ValidationError({"reason": message})
    check_date(on, "on", "撤销日期")
    if on < letter.issued_on:
        raise ValidationError(
            {"on": f"撤销日期不能早于介绍信的开具日期{letter.issued_on:%Y-%m-%d}"}
        )
    close_letter(letter, actor, on=on, reason=reason.strip()[:200])


def _pending_letter_error(locked: Member, *, besides: TransferOut | None = None) -> str | None:
    pending = TransferOut.objects.filter(member=locked, status=TransferStatus.PENDING)
    if besides is not None:
        pending = pending.exclude(pk=besides.pk)
    return "该党员已有一份未办结的转出介绍信" if pending.exists() else None


@transaction.atomic
def issue_transfer_out(
    member: Member, *, actor: Actor, letter_no: str, destination: str, issued_on: date
) -> TransferOut:
    locked = lock_member(member, actor)
    if locked.status not in IN_SERVICE:
        raise ValidationError({"letter_no": f"{locked.get_status_display()}不能开具转出介绍信"})
    if message := _pending_letter_error(locked):
        raise ValidationError({"letter_no": message})
    if errors := _letter_number_errors(letter_no, destination):
        raise ValidationError(errors)
    check_name(destination, "destination", "转往党组织")
    check_date(issued_on, "issued_on", "开具日期")
    months = CountySettings.current().transfer_letter_valid_months
    return _new_letter(
        locked,
        actor,
        letter_no=letter_no,
        destination=destination,
        issued_on=issued_on,
        valid_until=add_months(issued_on, months),
    )


def _expire(letter: TransferOut, actor: Actor, now: datetime) -> None:
    """Record a pending letter past its validity as 已过期: the step, its audit entry, and
    the member's timeline event."""
    transition(
        letter,
        "expire",
        actor=actor,
        now=now,
        changes={"letter_no": letter.letter_no, "valid_until": letter.valid_until.isoformat()},
    )
    add_event(
        letter.member,
        EventKind.TRANSFER_OUT_EXPIRED,
        letter_expired_from(letter.valid_until),
        f"介绍信{letter.letter_no}有效期至{letter.valid_until:%Y-%m-%d}，已过期",
        actor,
    )


LETTER_SWEEPER = SystemActor("members.expire_letters")


def expire_overdue_letters(*, today: date, now: datetime) -> int:
    """The daily job: every pending letter whose validity ended before ``today`` becomes 已过期,
    each in its own transaction. Catch-up safe (any day past due, not only yesterday) and
    idempotent (an expired letter is no longer pending); a letter completed or reissued between
    the query and its step is left alone. Returns how many were expired."""
    due = (
        TransferOut.objects.filter(status=TransferStatus.PENDING, valid_until__lt=today)
        .select_related("member__org")
        .order_by("pk")
    )
    expired = 0
    for letter in due:
        if not letter_expired(letter.valid_until, today):  # the query is the rule's SQL twin
            continue
        try:
            with transaction.atomic():
                _expire(letter, LETTER_SWEEPER, now)
        except ValidationError:
            continue
        expired += 1
    return expired


@transaction.atomic
def reissue_transfer_out(
    letter: TransferOut,
    *,
    actor: Actor,
    on: date,
    letter_no: str,
    valid_until: date | None = None,
) -> TransferOut:
    """A new pending letter replacing an expired one (stored as expired, or pending past its
    validity: that is recorded first). The old letter stays 已过期 and the new one points at it;
    validity defaults to the county's months from ``on`` and may be shorter, never longer."""
    locked = lock_member(letter.member, actor)
    old = TransferOut.objects.select_for_update().get(pk=letter.pk)
    old.member = locked
    state = letter_state(old.status, old.valid_until, on)
    if state == TransferStatus.PENDING:
        raise ValidationError(
            {"letter_no": f"介绍信仍在有效期内（至{old.valid_until:%Y-%m-%d}），无需重新开具"}
        )
    if state != TransferStatus.EXPIRED:
        raise ValidationError({"letter_no": f"该介绍信{old.get_status_display()}，不能重新开具"})
    if (done := TransferOut.objects.filter(reissued_from=old).first()) is not None:
        raise ValidationError({"letter_no": f"该介绍信已重新开具为{done.letter_no}"})
    # Only the member's latest letter is reissued: an older one was followed by another.
    latest = TransferOut.objects.filter(member=locked).order_by("-issued_on", "-pk").first()
    if latest is not None and latest.pk != old.pk:
        raise ValidationError(
            {
                "letter_no": f"该介绍信已不是该党员最新的介绍信（最新为{latest.letter_no}），"
                "请重新开具最新的介绍信"
            }
        )
    if locked.status not in IN_SERVICE:
        raise ValidationError({"letter_no": f"{locked.get_status_display()}不能开具转出介绍信"})
    if message := _pending_letter_error(locked, besides=old):
        raise ValidationError({"letter_no": message})
    if errors := _letter_number_errors(letter_no, old.destination):
        raise ValidationError(errors)
    if letter_no.strip() == old.letter_no:
        raise ValidationError({"letter_no": "重新开具的介绍信应使用新的编号"})
    check_date(on, "on", "开具日期")
    if on < old.issued_on:
        raise ValidationError({"on": f"开具日期不能早于原介绍信的开具日期{old.issued_on:%Y-%m-%d}"})
    longest = add_months(on, CountySettings.current().transfer_letter_valid_months)
    if valid_until is not None and (
        message := reissue_validity_error(valid_until, issued_on=on, longest=longest)
    ):
        raise ValidationError({"valid_until": message})
    if old.status == TransferStatus.PENDING:
        _expire(old, actor, clock.now())
    return _new_letter(
        locked,
        actor,
        letter_no=letter_no,
        destination=old.destination,
        issued_on=on,
        valid_until=valid_until or longest,
        replaces=old,
    )


@transaction.atomic
def complete_transfer_out(
    transfer: TransferOut,
    *,
    actor: Actor,
    on: date,
    receipt_org: str,
    receipt_on: date | None,
) -> None:
    """The receiving organisation sent its 回执 back: the letter is completed with it and the
    member leaves the platform's registry. A letter past its validity (on ``on``, whether or not
    the daily job has recorded it) is refused: it must be reissued."""
    locked = lock_member(transfer.member, actor)
    transfer = TransferOut.objects.select_related("member__org").get(pk=transfer.pk)
    if letter_state(transfer.status, transfer.valid_until, on) == TransferStatus.EXPIRED:
        raise ValidationError({"receipt_on": letter_expired_message(transfer.valid_until)})
    _allowed(flows.TRANSFER_OUT, transfer, "complete")
    check_date(on, "on", "办结日期")
    errors = receipt_errors(
        receipt_org=receipt_org, receipt_on=receipt_on, issued_on=transfer.issued_on, today=on
    )
    if not errors and (message := invisible_character_error(receipt_org, label="接收党组织")):
        errors["receipt_org"] = message
    if errors:
        raise ValidationError(errors)
    assert receipt_on is not None  # receipt_errors refuses a missing date
    transition(
        transfer,
        "complete",
        actor=actor,
        now=clock.now(),
        fields={"closed_on": on, "receipt_org": receipt_org.strip(), "receipt_on": receipt_on},
        changes={
            "letter_no": transfer.letter_no,
            "receipt_org": receipt_org.strip(),
            "receipt_on": receipt_on.isoformat(),
        },
    )
    cleared, ended = ending_states(locked, on)
    transition(
        locked,
        "transferred_out",
        actor=actor,
        now=clock.now(),
        fields={"exited_on": on, **cleared},
        changes=ended,
    )
    add_event(
        locked,
        EventKind.TRANSFER_OUT_DONE,
        on,
        f"已转往{transfer.destination}（{receipt_org.strip()}{receipt_on:%Y-%m-%d}回执）",
        actor,
    )


# Standings a transfer cannot bring back: the person died or left the Party.
ENDED = (MemberStatus.DECEASED, MemberStatus.EXPELLED)


def _registered_message(member: Member) -> str:
    """Why a letter for a person on the registry is not received: still in service (or
    suspended) they move on the platform; who died or left the Party cannot be transferred."""
    when = f"于{member.exited_on:%Y-%m-%d}" if member.exited_on else ""
    if member.status == MemberStatus.DECEASED:
        return f"该党员已{when}登记为死亡，不能转入"
    if member.status == MemberStatus.EXPELLED:
        how = f"（{member.get_exit_kind_display()}）" if member.exit_kind else ""
        return f"该党员已{when}登记出党{how}，不能转入"
    return "该党员已在本平台登记，请使用平台内转移"


@records_refusals("transfer_in", lambda **kw: {"org": kw["org"].code})
@transaction.atomic
def receive_transfer_in(
    *,
    actor: Actor,
    org: OrgNode,
    name: str,
    id_number: str,
    from_org: str,
    letter_no: str,
    received_on: date,
    member_status: str = MemberStatus.FULL,
    admitted_on: date | None = None,
    full_on: date | None = None,
) -> TransferIn:
    """A letter received from outside the platform, waiting to be accepted or rejected. The
    letter's person is checked like a registration (name, ID, admission and 转正 dates), so
    accepting it later cannot fail on what the letter said."""
    require_permits_on(actor, MemberAction.ADD, org)
    if org.kind != OrgKind.BRANCH:
        raise ValidationError({"org": "组织关系只能转入党支部"})
    if member_status not in (MemberStatus.FULL, MemberStatus.PROBATIONARY):
        raise ValidationError({"member_status": "转入党员应为正式党员或预备党员"})
    person = MemberData(
        name=name,
        id_number=id_number,
        status=member_status,
        admitted_on=admitted_on,
        full_on=full_on,
    )
    errors = field_errors(person, today=clock.today())
    if "status" in errors:  # the letter's field is called member_status
        errors["member_status"] = errors.pop("status")
    if message := invisible_character_error(from_org, label="转出党组织"):
        errors["from_org"] = message
    if errors:
        raise ValidationError(errors)
    check_date(received_on, "received_on", "收到日期")
    clean = normalise_id(id_number)
    active = (
        Member.objects.filter(id_number_index=id_index(clean))
        .exclude(status__in=REACTIVATABLE)
        .first()
    )
    if active is not None and not readable_by(actor, active):
        raise RegisteredElsewhere(
            {"id_number": "该党员已在平台其他党组织登记，请由其所在党组织办理平台内转移"}
        )
    if active is not None:
        raise ValidationError({"id_number": _registered_message(active)})
    incoming = TransferIn.objects.create(
        org=org,
        name=name.strip(),
        id_number_enc=crypto().encrypt_field(clean, context=ID_CONTEXT),
        id_number_index=id_index(clean),
        id_number_masked=mask_id(clean),
        from_org=from_org.strip(),
        letter_no=letter_no.strip(),
        received_on=received_on,
        member_status=member_status,
        admitted_on=admitted_on,
        full_on=full_on,
    )
    audit.record(
        "members.transfer_in.receive",
        actor=actor,
        obj=incoming,
        org_path=org.path,
        changes={"id_number": incoming.id_number_masked, "from_org": incoming.from_org},
    )
    notices.transfer_in_received(incoming, actor=actor, now=clock.now())
    return incoming


@records_refusals("transfer_in_accept", lambda incoming, **kw: {"org": incoming.org.code})
@transaction.atomic
def accept_transfer_in(incoming: TransferIn, *, actor: Actor, on: date) -> Member:
    """Register the member from the letter; the number may have been registered elsewhere since
    the letter was received (that refusal is recorded by the decorator)."""
    require_permits_on(actor, MemberAction.ADD, incoming.org)
    incoming = TransferIn.objects.select_for_update().select_related("org").get(pk=incoming.pk)
    _allowed(flows.TRANSFER_IN, incoming, "accept")
    check_date(on, "on", "处理日期")
    ended = Member.objects.filter(
        id_number_index=incoming.id_number_index, status__in=ENDED
    ).first()
    if ended is not None and readable_by(actor, ended):
        # Died or left the Party since the letter was received: say so, as on receipt.
        raise ValidationError({"__all__": _registered_message(ended)})
    clear = crypto().decrypt_field(incoming.id_number_enc, context=ID_CONTEXT)
    member = register_member(
        actor=actor,
        org=incoming.org,
        data=MemberData(
            name=incoming.name,
            id_number=clear,
            status=incoming.member_status,
            admitted_on=incoming.admitted_on,
            full_on=incoming.full_on,
        ),
    )
    transition(
        incoming,
        "accept",
        actor=actor,
        now=clock.now(),
        fields={"decided_on": on, "member": member},
        changes={"member": member.pk},
    )
    add_event(
        member,
        EventKind.TRANSFER_IN,
        on,
        f"由{incoming.from_org}转入（介绍信{incoming.letter_no}）",
        actor,
    )
    return member


@transaction.atomic
def reject_transfer_in(incoming: TransferIn, *, actor: Actor, on: date, reason: str) -> None:
    require_permits_on(actor, MemberAction.ADD, incoming.org)
    if not reason.strip():
        raise ValidationError({"reason": "退回时请填写原因"})
    incoming = TransferIn.objects.select_for_update().select_related("org").get(pk=incoming.pk)
    _allowed(flows.TRANSFER_IN, incoming, "reject")
    check_date(on, "on", "处理日期")
    kept = reason.strip()[:200]
    transition(
        incoming,
        "reject",
        actor=actor,
        now=clock.now(),
        fields={"decided_on": on, "reason": kept},
        changes={"reason": kept},
    )


def _in_service(member: Member, field: str, doing: str) -> None:
    if member.status not in IN_SERVICE:
        raise ValidationError({field: f"{member.get_status_display()}不能{doing}"})


@transaction.atomic
def start_mobility(
    member: Member, *, actor: Actor, place: str, left_on: date, certificate_no: str = ""
) -> MobileRecord:
    """外出流动: a management state beside the standing (ADR 0026); a 正式党员 away still counts."""
    locked = lock_member(member, actor)
    _in_service(locked, "place", "登记外出流动")
    if locked.mobile_since is not None:
        raise ValidationError({"place": "该党员已是流动党员，请先登记返回"})
    if not place.strip():
        raise ValidationError({"place": "请填写流入地"})
    check_name(place, "place", "流入地")
    check_date(left_on, "left_on")
    record = MobileRecord.objects.create(
        member=locked, place=place.strip(), left_on=left_on, certificate_no=certificate_no.strip()
    )
    locked.mobile_since = left_on
    save_versioned(locked, expected_version=locked.version, fields=["mobile_since"])
    _record(
        locked,
        actor,
        EventKind.MOBILE_OUT,
        left_on,
        f"外出至{record.place}",
        "members.member.mobile_out",
        {"place": record.place, "left_on": left_on.isoformat()},
    )
    return record


@transaction.atomic
def end_mobility(member: Member, *, actor: Actor, returned_on: date) -> None:
    locked = lock_member(member, actor)
    record = MobileRecord.objects.filter(member=locked, returned_on__isnull=True).first()
    if locked.mobile_since is None or record is None:
        raise ValidationError({"returned_on": "该党员当前不是流动党员"})
    check_date(returned_on, "returned_on", "返回日期")
    if returned_on < record.left_on:
        raise ValidationError({"returned_on": "返回日期不能早于外出日期"})
    record.returned_on = returned_on
    record.save(update_fields=["returned_on"])
    locked.mobile_since = None
    save_versioned(locked, expected_version=locked.version, fields=["mobile_since"])
    _record(
        locked,
        actor,
        EventKind.MOBILE_BACK,
        returned_on,
        f"自{record.place}返回",
        "members.member.mobile_back",
        {"returned_on": returned_on.isoformat()},
    )


@transaction.atomic
def mark_lost_contact(member: Member, *, actor: Actor, since: date) -> None:
    locked = lock_member(member, actor)
    _in_service(locked, "since", "标记为失联")
    if locked.lost_contact_since is not None:
        raise ValidationError({"since": "该党员已标记为失联"})
    check_date(since, "since")
    locked.lost_contact_since = since
    save_versioned(locked, expected_version=locked.version, fields=["lost_contact_since"])
    _record(
        locked,
        actor,
        EventKind.LOST_CONTACT,
        since,
        "与党组织失去联系",
        "members.member.lost_contact",
        {"since": since.isoformat()},
    )


@transaction.atomic
def restore_contact(member: Member, *, actor: Actor, on: date) -> None:
    """Back in touch before any 停止党籍: a suspended member comes back by 恢复党籍 instead."""
    locked = lock_member(member, actor)
    if locked.lost_contact_since is None or locked.status not in IN_SERVICE:
        raise ValidationError({"on": "该党员当前不是失联状态"})
    check_date(on, "on", "恢复联系日期")
    if on < locked.lost_contact_since:
        raise ValidationError({"on": "恢复联系日期不能早于失联日期"})
    since = locked.lost_contact_since
    locked.lost_contact_since = None
    save_versioned(locked, expected_version=locked.version, fields=["lost_contact_since"])
    _record(
        locked,
        actor,
        EventKind.CONTACT_RESTORED,
        on,
        "恢复联系",
        "members.member.contact_restored",
        {"on": on.isoformat(), "lost_since": since.isoformat()},
    )


@transaction.atomic
def suspend_membership(member: Member, *, actor: Actor, on: date, decision: str) -> None:
    """停止党籍 after the review the lost-contact rule calls for (R2). Due from the same date the
    review list shows (``rules.lost_contact_review_from``)."""
    locked = lock_member(member, actor)
    check_date(on, "on")
    months = lost_contact_review_months(CountySettings.current().lost_contact_review_months)
    lost = locked.status in IN_SERVICE and locked.lost_contact_since is not None
    if not lost or not suspension_review_due(locked.lost_contact_since, on, months=months):
        message = f"只有失联满{months}个月的党员才能停止党籍"
        if lost and locked.lost_contact_since:
            due = lost_contact_review_from(locked.lost_contact_since, months)
            message += f"（该党员{due:%Y-%m-%d}起方可办理）"
        raise ValidationError({"on": message})
    if not decision.strip():
        raise ValidationError({"decision": "请填写党组织决定的文号或说明"})
    transition(
        locked,
        "suspend",
        actor=actor,
        now=clock.now(),
        fields={"suspended_on": on},
        changes={"decision": decision.strip()[:200]},
    )
    add_event(locked, EventKind.SUSPENDED, on, f"停止党籍（{decision.strip()[:100]}）", actor)


@transaction.atomic
def register_with_community(
    member: Member, *, actor: Actor, community: str, registered_on: date
) -> CommunityRegistration:
    locked = lock_member(member, actor)
    if not community.strip():
        raise ValidationError({"community": "请填写报到社区"})
    check_name(community, "community", "报到社区")
    check_date(registered_on, "registered_on")
    registration, _ = CommunityRegistration.objects.update_or_create(
        member=locked, defaults={"community": community.strip(), "registered_on": registered_on}
    )
    _record(
        locked,
        actor,
        EventKind.COMMUNITY,
        registered_on,
        f"到{registration.community}报到",
        "members.member.community",
        {"community": registration.community},
    )
    return registration


@transaction.atomic
def record_service(
    member: Member, *, actor: Actor, served_on: date, content: str, hours: Decimal
) -> ServiceRecord:
    locked = lock_member(member, actor)
    if not CommunityRegistration.objects.filter(member=locked).exists():
        raise ValidationError({"content": "该党员尚未到社区报到，请先登记报到"})
    if not content.strip():
        raise ValidationError({"content": "请填写服务内容"})
    if hours < 0 or hours > 24:
        raise ValidationError({"hours": "时长应在0到24小时之间"})
    check_date(served_on, "served_on")
    record = ServiceRecord.objects.create(
        member=locked, served_on=served_on, content=content.strip(), hours=hours
    )
    _record(
        locked,
        actor,
        EventKind.SERVICE,
        served_on,
        f"社区服务：{record.content}",
        "members.member.service",
        {"served_on": served_on.isoformat(), "hours": str(hours)},
    )
    return record
