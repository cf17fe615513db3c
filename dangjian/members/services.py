"""Writes to the member registry: registration, changes and status.

Every function checks scope, validates with Chinese messages keyed by field, writes in one
transaction with its timeline event and audit entry. ID numbers never reach the audit log in clear:
entries carry the masked form only. Movements (transfers, mobility, lost contact) live in
``movements.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, SystemActor, actor_name, require_actor
from dangjian.core.models import AuditOutcome
from dangjian.core.ownership import ensure_version, save_versioned
from dangjian.core.provider import crypto
from dangjian.core.rules import date_range_error, invisible_character_error
from dangjian.core.scoping import require_permits_on
from dangjian.members.choices import ETHNICITIES, EventKind, MemberStatus
from dangjian.members.models import ID_CONTEXT, PHONE_CONTEXT, Member, MemberEvent
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import (
    completed_years,
    echo,
    id_facts,
    id_number_error,
    mask_id,
    mask_phone,
    normalise_id,
    status_edit_error,
)
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

P = ParamSpec("P")
R = TypeVar("R")

EDITABLE = (
    "name",
    "ethnicity",
    "education",
    "post",
    "is_cadre",
    "admitted_on",
    "full_on",
    "status",
    "party_group_id",
)


# Plain strings: enum attribute access is measurable when validating 100,000 import rows.
STATUS_VALUES = frozenset(MemberStatus.values)
STALE_MEMBER = "该党员信息已被他人修改，请刷新页面后再保存（您的修改未保存）"
FULL, PROBATIONARY = str(MemberStatus.FULL.value), str(MemberStatus.PROBATIONARY.value)
ETHNICITY_SET = frozenset(ETHNICITIES)


@dataclass
class MemberData:
    """What a form, the API or an import row supplies. ``id_number`` and ``phone`` are clear text
    only in memory; they are encrypted before anything is stored."""

    name: str
    id_number: str
    status: str
    ethnicity: str = "汉族"
    phone: str = ""
    education: str = ""
    post: str = ""
    is_cadre: bool = False
    admitted_on: date | None = None
    full_on: date | None = None
    party_group_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def id_index(id_number: str) -> str:
    return crypto().blind_index(normalise_id(id_number), context=ID_CONTEXT)


def field_errors(data: MemberData, *, today: date) -> dict[str, str]:
    """Row-level validation shared by forms, the API and imports (no database access)."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "请填写姓名"
    elif len(data.name.strip()) > 50:
        errors["name"] = "姓名不能超过50个字"
    elif message := invisible_character_error(data.name, label="姓名"):
        errors["name"] = message
    if message := invisible_character_error(data.post, label="工作岗位"):
        errors["post"] = message
    message = id_number_error(data.id_number, today=today)
    if message:
        errors["id_number"] = message
    if data.status not in STATUS_VALUES:
        errors["status"] = f"党籍状态“{echo(data.status)}”无效"
    if data.ethnicity and data.ethnicity not in ETHNICITY_SET:
        errors["ethnicity"] = f"民族“{echo(data.ethnicity)}”不在56个民族之列"
    phone = data.phone.strip()
    if phone and (len(phone) != 11 or not phone.isdigit() or phone[0] != "1"):
        errors["phone"] = "手机号码应为以1开头的11位数字"
    if message := date_range_error(data.admitted_on, label="入党日期", today=today):
        errors["admitted_on"] = message
    if message := date_range_error(data.full_on, label="转正日期", today=today):
        errors["full_on"] = message
    if (
        "full_on" not in errors
        and data.full_on
        and data.admitted_on
        and data.full_on < data.admitted_on
    ):
        errors["full_on"] = "转正日期不能早于入党日期"
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
        born = id_facts(data.id_number).birth_date
        if completed_years(born, data.admitted_on) < 18:
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


STORED_COLUMNS = (
    "name",
    "id_number_enc",
    "id_number_index",
    "id_number_masked",
    "birth_date",
    "gender",
    "phone_enc",
    "phone_masked",
    "ethnicity",
    "education",
    "post",
    "is_cadre",
    "admitted_on",
    "full_on",
    "status",
    "party_group_id",
)


def stored_values(data: MemberData, *, index: str | None = None) -> dict[str, Any]:
    """Every stored column derived from ``data``: ciphertexts, blind index, masks, birth date and
    gender. Shared by the services and the bulk import so both store exactly the same thing."""
    clean_id = normalise_id(data.id_number)
    facts = id_facts(clean_id)
    provider = crypto()
    phone = data.phone.strip()
    return {
        "name": data.name.strip(),
        "id_number_enc": provider.encrypt_field(clean_id, context=ID_CONTEXT),
        "id_number_index": index or id_index(clean_id),
        "id_number_masked": mask_id(clean_id),
        "birth_date": facts.birth_date,
        "gender": facts.gender,
        "phone_enc": provider.encrypt_field(phone, context=PHONE_CONTEXT) if phone else "",
        "phone_masked": mask_phone(phone) if phone else "",
        "ethnicity": data.ethnicity or "汉族",
        "education": data.education,
        "post": data.post,
        "is_cadre": data.is_cadre,
        "admitted_on": data.admitted_on,
        "full_on": data.full_on,
        "status": data.status,
        "party_group_id": data.party_group_id,
    }


def apply_data(member: Member, data: MemberData) -> None:
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
    """Register a member; a former member (历史/出党) with the same ID number is reactivated."""
    require_permits_on(actor, MemberAction.ADD, org)
    today = today or clock.today()
    errors = field_errors(data, today=today)
    if errors:
        raise ValidationError(errors)
    _check_branch(org, data.party_group_id)
    existing = Member.objects.select_for_update().filter(id_number_index=id_index(data.id_number))
    member = existing.first()
    if member is not None and member.status != MemberStatus.HISTORICAL:
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
    require_permits_on(actor, MemberAction.CHANGE, member.org)
    locked = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    ensure_version(locked, expected_version, message=STALE_MEMBER)
    errors = field_errors(data, today=today)
    status_message = status_edit_error(locked.status, data.status)
    if status_message:
        errors.setdefault("status", status_message)
    if errors:
        raise ValidationError(errors)
    _check_branch(locked.org, data.party_group_id)
    clash = (
        Member.objects.filter(id_number_index=id_index(data.id_number))
        .exclude(pk=locked.pk)
        .first()
    )
    if clash is not None:
        error = {"id_number": "该身份证号码已登记为其他党员"}
        raise ValidationError(error) if readable_by(actor, clash) else RegisteredElsewhere(error)
    before = snapshot(locked)
    apply_data(locked, data)
    save_versioned(locked, expected_version=expected_version, message=STALE_MEMBER)
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
