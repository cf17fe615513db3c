"""Writes to the member registry: registration, changes and status.

Every function checks scope, validates with Chinese messages keyed by field, writes in one
transaction with its timeline event and audit entry. ID numbers never reach the audit log in clear:
entries carry the masked form only. Movements (transfers, mobility, lost contact) live in
``movements.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, SystemActor, actor_name, require_actor
from dangjian.core.models import AuditOutcome
from dangjian.core.ownership import ensure_version, save_versioned
from dangjian.core.provider import crypto
from dangjian.core.rules import invisible_character_error
from dangjian.core.scoping import require_permits_on
from dangjian.members.choices import IN_SERVICE, REACTIVATABLE, EventKind, MemberStatus
from dangjian.members.fields import (
    CHECKS,
    EDITABLE,
    EDITABLE_FIELDS,
    LEFT_BEHIND,
    MANAGEMENT_STATES,
    Kind,
    MemberData,
)
from dangjian.members.fields import STORED_COLUMNS as STORED_COLUMNS  # for the import
from dangjian.members.models import ID_CONTEXT, PHONE_CONTEXT, Member, MemberEvent, MobileRecord
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import (
    completed_years,
    full_on_error,
    id_facts,
    mask_id,
    mask_phone,
    normalise_id,
    probation_ends,
    probation_extension_errors,
    status_edit_error,
)
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

P = ParamSpec("P")
R = TypeVar("R")

STALE_MEMBER = "该党员信息已被他人修改，请刷新页面后再保存（您的修改未保存）"
FULL, PROBATIONARY = str(MemberStatus.FULL.value), str(MemberStatus.PROBATIONARY.value)


def lock_member(member: Member, actor: Actor, action: str = MemberAction.CHANGE) -> Member:
    """The member's row, locked for the rest of the transaction, once ``actor`` may take
    ``action`` on the member's branch: every standing and movement service starts here."""
    require_permits_on(actor, action, member.org)
    return Member.objects.select_for_update().select_related("org").get(pk=member.pk)


def ending_states(locked: Member, on: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """Membership ends on ``on`` (出党, 去世, 转出 completed): the management states end with it.
    Returns the columns to clear, for the step's own UPDATE, and what the step's audit entry
    says was cleared; an open 流动 record is closed on ``on`` (never before it began)."""
    clear = {
        name: cleared
        for name, cleared in MANAGEMENT_STATES.items()
        if getattr(locked, name) != cleared
    }
    changes: dict[str, Any] = {}
    if clear:
        changes["cleared"] = {
            name: value.isoformat() if isinstance(value, date) else value
            for name in clear
            if (value := getattr(locked, name)) is not None
        }
    for record in MobileRecord.objects.filter(member=locked, returned_on__isnull=True):
        record.returned_on = max(on, record.left_on)
        record.save(update_fields=["returned_on"])
        changes.setdefault("mobility_closed", []).append(
            {"place": record.place, "returned_on": record.returned_on.isoformat()}
        )
    return clear, changes


def id_index(id_number: str) -> str:
    return crypto().blind_index(normalise_id(id_number), context=ID_CONTEXT)


def field_errors(
    data: MemberData, *, today: date, born: date | None = None, extension_months: int = 0
) -> dict[str, str]:
    """Row-level validation shared by forms, the API and imports (no database access). Fields in
    ``data.keep`` are stored already and not checked again; ``born`` is the stored birth date,
    given when ``data`` keeps the stored ID number; ``extension_months`` is the member's recorded
    延长预备期, which moves the earliest 转正 date."""
    errors: dict[str, str] = {}
    keep = data.keep
    if "id_number" in keep and born is None:
        raise TypeError("field_errors needs the stored birth date when the ID number is kept")
    for key, check in CHECKS:
        if key not in keep and (message := check(getattr(data, key), today)):
            errors[key] = message
    if (
        "full_on" not in errors
        and data.full_on
        and data.admitted_on
        and (
            message := full_on_error(
                data.admitted_on, data.full_on, extension_months=extension_months
            )
        )
    ):
        errors["full_on"] = message
    if data.full_on and not data.admitted_on:
        errors["admitted_on"] = "填写了转正日期，请同时填写入党日期"
    elif data.status in (FULL, PROBATIONARY) and not data.admitted_on:
        # 正式/预备 are stages after admission (党章 第七条): without the date they cannot be.
        errors["admitted_on"] = "正式党员和预备党员须填写入党日期"
    if data.status == PROBATIONARY and data.full_on:
        errors["status"] = "已填写转正日期的党员不能是预备党员"
    if data.status == FULL and not data.full_on and data.admitted_on:
        errors["full_on"] = "正式党员请填写转正日期"
    if "id_number" not in errors and "admitted_on" not in errors and data.admitted_on:
        if "id_number" not in keep:
            born = id_facts(data.id_number).birth_date
        if born is not None and completed_years(born, data.admitted_on) < 18:
            errors["admitted_on"] = "入党时未满18周岁，请核对入党日期或身份证号码"
    return errors


def _check_branch(org: OrgNode, party_group_id: int | None) -> None:
    if org.kind != OrgKind.BRANCH:
        raise ValidationError(
            {"branch": f"党员只能登记在党支部，“{org.name}”是{org.get_kind_display()}"}
        )
    if org.is_dissolved:
        raise ValidationError({"branch": f"“{org.name}”已撤销，不能再登记党员"})
    if (
        party_group_id is not None
        and not OrgNode.objects.filter(
            pk=party_group_id, parent_id=org.pk, kind=OrgKind.PARTY_GROUP
        ).exists()
    ):
        raise ValidationError({"party_group": "党小组必须是所在党支部下的党小组"})


Encoder = Callable[[str, str | None, Any], tuple[Any, ...]]


def _id_columns(value: str, index: str | None, provider: Any) -> tuple[Any, ...]:
    clean_id = normalise_id(value)
    facts = id_facts(clean_id)
    return (
        provider.encrypt_field(clean_id, context=ID_CONTEXT),
        index or id_index(clean_id),
        mask_id(clean_id),
        facts.birth_date,
        facts.gender,
    )


def _phone_columns(value: str, index: str | None, provider: Any) -> tuple[Any, ...]:
    phone = value.strip()
    if not phone:
        return ("", "")
    return (provider.encrypt_field(phone, context=PHONE_CONTEXT), mask_phone(phone))


ENCODERS: dict[Kind, Encoder] = {Kind.ID_NUMBER: _id_columns, Kind.PHONE: _phone_columns}
# Per editable field, in STORED_COLUMNS order: (attribute, columns, encoder, cleaner). Computed
# once: stored_values runs for every row of a 100,000-row import.
WRITES = tuple((f.key, f.stored, ENCODERS.get(f.kind), f.clean) for f in EDITABLE_FIELDS)
if set(ENCODERS) != {f.kind for f in EDITABLE_FIELDS if f.encrypted}:
    raise TypeError("every encrypted kind needs an encoder, and only those")


def stored_values(data: MemberData, *, index: str | None = None) -> dict[str, Any]:
    """Every stored column derived from ``data``: ciphertexts, blind index, masks, birth date and
    gender. Shared by the services and the bulk import so both store exactly the same thing."""
    provider = crypto()
    values: dict[str, Any] = {}
    for key, columns, encode, clean in WRITES:
        value = getattr(data, key)
        if encode is not None:
            values.update(zip(columns, encode(value, index, provider), strict=True))
        else:
            values[columns[0]] = value if clean is None else clean(value)
    return values


def _same_phone(member: Member, value: str) -> bool:
    """The phone as stored, sent again (a PATCH echoing it back). The mask decides first: a
    different mask is a different number, decided without decrypting anything."""
    phone = value.strip()
    if not phone or not member.phone_enc or mask_phone(phone) != member.phone_masked:
        return False
    return decrypt_phone(member) == phone


def changed_values(member: Member, data: MemberData) -> dict[str, Any]:
    """The stored columns an update changes. An encrypted field in ``data.keep``, an ID number
    whose blind index is the stored one, or the stored phone sent again keeps its ciphertext
    byte for byte: it is not encrypted again (a new nonce would change every ciphertext)."""
    provider = crypto()
    changed: dict[str, Any] = {}
    for key, columns, encode, clean in WRITES:
        value = getattr(data, key)
        if encode is not None:
            if key in data.keep:
                continue
            index = id_index(value) if key == "id_number" else None
            if index is not None and index == member.id_number_index:
                continue
            if key == "phone" and _same_phone(member, value):
                continue
            new = dict(zip(columns, encode(value, index, provider), strict=True))
            if any(getattr(member, column) != v for column, v in new.items()):
                changed.update(new)
        else:
            stored = value if clean is None else clean(value)
            if getattr(member, columns[0]) != stored:
                changed[columns[0]] = stored
    return changed


def apply_data(member: Member, data: MemberData) -> None:
    if data.keep:
        raise ValueError("only update_member keeps stored fields")
    for name, value in stored_values(data).items():
        setattr(member, name, value)


def build_member(org: OrgNode, data: MemberData) -> Member:
    """An unsaved member with encrypted fields applied, for bulk paths (imports) that validated
    ``data`` with ``field_errors`` and checked branch, scope and duplicates themselves."""
    member = Member(org=org)
    apply_data(member, data)
    return member


def snapshot(member: Member) -> dict[str, Any]:
    """Audit view of a member: masked ID, never the clear number or the ciphertext."""
    values = {name: getattr(member, name) for name in EDITABLE}
    values.update(org=member.org_id, id_number=member.id_number_masked, phone=member.phone_masked)
    return values


def add_event(member: Member, kind: str, on: date, summary: str, actor: Actor) -> MemberEvent:
    require_actor(actor)
    return MemberEvent.objects.create(
        member=member,
        kind=kind,
        occurred_on=on,
        summary=summary[:300],
        actor_username=actor_name(actor) or "系统",
    )


class RegisteredElsewhere(ValidationError):
    """The ID number belongs to a record the actor may not read (raised with a field dict)."""


def record_registered_elsewhere(actor: Actor, *, via: str, **details: Any) -> None:
    """Uniqueness is platform-wide, so a refusal tells the actor that a person outside their
    scope is registered. That answer is a security event, like an out-of-scope read: written
    after the refused change rolled back, so the auditor sees repeated probing."""
    audit.record(
        "members.member.registered_elsewhere",
        actor=actor,
        outcome=AuditOutcome.DENIED,
        changes={"via": via, **details},
    )


def records_refusals(
    via: str, details: Callable[..., dict[str, Any]]
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Put outside a service's ``@transaction.atomic``: a ``RegisteredElsewhere`` raised inside
    is recorded once that transaction has rolled back, then raised on. ``details`` picks what
    the entry names from the call's arguments (never the ID number)."""

    def wrap(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return service(*args, **kwargs)
            except RegisteredElsewhere:
                actor: Any = kwargs.get("actor")
                record_registered_elsewhere(actor, via=via, **details(*args, **kwargs))
                raise

        return run

    return wrap


def readable_by(actor: Actor, member: Member) -> bool:
    return (
        isinstance(actor, SystemActor)
        or Member.objects.visible_to(actor, MemberAction.VIEW).filter(pk=member.pk).exists()
    )


@records_refusals("register", lambda **kw: {"org": kw["org"].code})
@transaction.atomic
def register_member(
    *, actor: Actor, org: OrgNode, data: MemberData, today: date | None = None
) -> Member:
    """Register a member; a former member who was transferred out (已转出) with the same ID number
    is reactivated."""
    require_permits_on(actor, MemberAction.ADD, org)
    today = today or clock.today()
    errors = field_errors(data, today=today)
    if data.status not in IN_SERVICE and "status" not in errors:
        # Suspension, exits and deaths are decided on a member already registered.
        errors["status"] = "登记党员时党籍状态应为正式党员或预备党员"
    if errors:
        raise ValidationError(errors)
    _check_branch(org, data.party_group_id)
    existing = Member.objects.select_for_update().filter(id_number_index=id_index(data.id_number))
    member = existing.first()
    if member is not None and member.status not in REACTIVATABLE:
        # Name and branch only when the actor may see that record: uniqueness must not become
        # a way to look up people outside one's scope.
        if not readable_by(actor, member):
            raise RegisteredElsewhere(
                {"id_number": "该身份证号码已在平台其他党组织登记为党员，不能重复登记"}
            )
        raise ValidationError(
            {"id_number": f"该身份证号码已登记为党员（{member.name}，{member.org.name}）"}
        )
    reactivated = member is not None
    before = snapshot(member) if member is not None else {}
    if member is None:
        member = Member(org=org)
    member.org = org
    apply_data(member, data)
    if reactivated:
        # Back on the registry: what was true when the member left (away, out of touch, under
        # 留党察看, rights suspended, the exit itself) does not come back with them.
        for name, cleared in LEFT_BEHIND.items():
            setattr(member, name, cleared)
        member.version += 1
    member.save()
    kind = EventKind.REACTIVATED if reactivated else EventKind.CREATED
    add_event(member, kind, today, f"登记在{org.name}", actor)
    audit.record(
        "members.member.reactivate" if reactivated else "members.member.create",
        actor=actor,
        obj=member,
        org_path=org.path,
        changes=audit.diff(before, snapshot(member)),
    )
    return member


@records_refusals("update", lambda member, **kw: {"member": member.pk})
@transaction.atomic
def update_member(
    member: Member,
    *,
    actor: Actor,
    expected_version: int,
    data: MemberData,
    today: date | None = None,
) -> Member:
    today = today or clock.today()
    locked = lock_member(member, actor)
    ensure_version(locked, expected_version, message=STALE_MEMBER)
    kept_id = "id_number" in data.keep
    errors = field_errors(
        data,
        today=today,
        born=locked.birth_date if kept_id else None,
        extension_months=locked.probation_extension_months or 0,
    )
    status_message = status_edit_error(locked.status, data.status)
    if status_message:
        errors.setdefault("status", status_message)
    if errors:
        raise ValidationError(errors)
    _check_branch(locked.org, data.party_group_id)
    clash = (
        None
        if kept_id
        else Member.objects.filter(id_number_index=id_index(data.id_number))
        .exclude(pk=locked.pk)
        .first()
    )
    if clash is not None:
        error = {"id_number": "该身份证号码已登记为其他党员"}
        raise ValidationError(error) if readable_by(actor, clash) else RegisteredElsewhere(error)
    before = snapshot(locked)
    changed = changed_values(locked, data)
    for name, value in changed.items():
        setattr(locked, name, value)
    # Only what changed is written: an untouched ciphertext stays byte-identical.
    save_versioned(locked, expected_version=expected_version, fields=changed, message=STALE_MEMBER)
    changes = audit.diff(before, snapshot(locked))
    if changes:
        summary = "、".join(sorted(changes))
        add_event(locked, EventKind.UPDATED, today, f"变更：{summary}", actor)
    audit.record(
        "members.member.update", actor=actor, obj=locked, org_path=locked.org.path, changes=changes
    )
    return locked


def decrypt_id(member: Member) -> str:
    return crypto().decrypt_field(member.id_number_enc, context=ID_CONTEXT)


def decrypt_phone(member: Member) -> str:
    if not member.phone_enc:
        return ""
    return crypto().decrypt_field(member.phone_enc, context=PHONE_CONTEXT)


@transaction.atomic
def reveal_id_number(member: Member, *, actor: Actor) -> str:
    """The full ID number for a role allowed to see it; every reveal is audited."""
    require_permits_on(actor, MemberAction.REVEAL, member.org)
    audit.record("members.member.reveal_id", actor=actor, obj=member, org_path=member.org.path)
    return decrypt_id(member)


@transaction.atomic
def extend_probation(
    member: Member,
    *,
    actor: Actor,
    expected_version: int,
    months: int,
    decided_on: date,
    reason: str,
    today: date | None = None,
) -> Member:
    """延长预备期 as the 支部大会 decided it: once, 6 to 12 months, with its date and reason
    (发展党员细则 第三十三条). 转正 is then at least a year plus these months after admission."""
    today = today or clock.today()
    locked = lock_member(member, actor)
    ensure_version(locked, expected_version, message=STALE_MEMBER)
    errors = probation_extension_errors(
        months=months,
        decided_on=decided_on,
        reason=reason,
        admitted_on=locked.admitted_on,
        already_extended=locked.probation_extension_months is not None,
        is_full=locked.status == FULL or locked.full_on is not None,
        today=today,
    )
    if not errors and (message := invisible_character_error(reason, label="延长原因")):
        errors["reason"] = message
    if errors:
        raise ValidationError(errors)
    assert locked.admitted_on is not None  # checked above
    clean_reason = reason.strip()[:200]
    fields = {
        "probation_extension_months": months,
        "probation_extended_on": decided_on,
        "probation_extension_reason": clean_reason,
    }
    for name, value in fields.items():
        setattr(locked, name, value)
    save_versioned(
        locked, expected_version=expected_version, fields=list(fields), message=STALE_MEMBER
    )
    ends = probation_ends(locked.admitted_on, extension_months=months)
    add_event(
        locked,
        EventKind.PROBATION_EXTENDED,
        decided_on,
        f"延长预备期{months}个月，至{ends:%Y-%m-%d}（{clean_reason[:100]}）",
        actor,
    )
    audit.record(
        "members.member.extend_probation",
        actor=actor,
        obj=locked,
        org_path=locked.org.path,
        changes={
            "months": months,
            "decided_on": decided_on.isoformat(),
            "reason": clean_reason,
            "probation_ends": ends.isoformat(),
        },
    )
    return locked
