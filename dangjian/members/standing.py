"""党籍 standing and the management states that suspend rights (ADR 0026).

Standing changes (恢复党籍, 出党 with its kind, 去世) are steps of ``flows.MEMBER``; 留党察看 and
the suspension of rights under 留置/逮捕 are dated columns beside the standing, read by
``rules.has_voting_rights``. Every service is one transaction with a timeline event and an audit
entry, like the movements in ``members.movements``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import audit, clock
from dangjian.core.actors import Actor
from dangjian.core.ownership import save_versioned
from dangjian.core.rules import invisible_character_error
from dangjian.core.validators import check_date
from dangjian.core.workflow import transition
from dangjian.members import flows
from dangjian.members.choices import (
    IN_SERVICE,
    EventKind,
    ExitKind,
    MemberStatus,
    RightsSuspension,
)
from dangjian.members.models import Member
from dangjian.members.movements import close_letter, pending_letter
from dangjian.members.rules import (
    restore_errors,
    strike_off_due,
    strike_off_from,
    watch_overlap_error,
    watch_period_error,
)
from dangjian.members.services import add_event, ending_states, lock_member

DIED_REASON = "党员去世，介绍信作废"


def _decision(text: str, field: str = "decision") -> str:
    if not text.strip():
        raise ValidationError({field: "请填写党组织决定的文号或说明"})
    if message := invisible_character_error(text, label="决定"):
        raise ValidationError({field: message})
    return text.strip()[:200]


def _step(
    locked: Member, action: str, actor: Actor, fields: dict[str, Any], **changes: Any
) -> None:
    flows.MEMBER.check_state(locked.status, action)
    transition(locked, action, actor=actor, now=clock.now(), fields=fields, changes=changes)


@transaction.atomic
def restore_membership(
    member: Member, *, actor: Actor, on: date, decision: str, today: date | None = None
) -> None:
    """恢复党籍: a suspended member is back in touch and the Party organisation decided it, within
    the two years after which 除名 is the path (R2). The standing returns to 正式 or 预备 as the
    dates say, and the lost-contact mark is cleared."""
    locked = lock_member(member, actor)
    action = f"restore_{flows.standing_of(locked.full_on)}"
    flows.MEMBER.check_state(locked.status, action)
    check_date(on, "on", "恢复联系日期")
    errors = restore_errors(
        suspended_on=locked.suspended_on,
        contact_on=on,
        decision=decision,
        today=today or clock.today(),
    )
    if errors:
        raise ValidationError(errors)
    kept = _decision(decision)
    _step(
        locked,
        action,
        actor,
        {"suspended_on": None, "lost_contact_since": None},
        decision=kept,
        on=on.isoformat(),
    )
    add_event(locked, EventKind.RESTORED, on, f"恢复党籍（{kept[:100]}）", actor)


@transaction.atomic
def record_exit(member: Member, *, actor: Actor, on: date, kind: str, decision: str) -> None:
    """出党 as decided: 开除党籍, 除名 (of a member suspended two years: 自行脱党除名), 退党 or
    取消预备党员资格 (a probationary member only)."""
    locked = lock_member(member, actor)
    flows.MEMBER.check_state(locked.status, "exit")
    if kind not in ExitKind.values:
        raise ValidationError({"kind": "请选择出党方式"})
    check_date(on, "on", "决定日期")
    if kind == ExitKind.PROBATION_CANCELLED and locked.status != MemberStatus.PROBATIONARY:
        raise ValidationError({"kind": "只有预备党员才能取消预备党员资格"})
    if kind == ExitKind.LAPSED and not strike_off_due(locked.suspended_on, on):
        message = "自行脱党除名须停止党籍满两年"
        if locked.suspended_on is not None:
            message += f"（{strike_off_from(locked.suspended_on):%Y-%m-%d}起方可办理）"
        raise ValidationError({"kind": message})
    kept = _decision(decision)
    if (letter := pending_letter(locked)) is not None:
        message = (
            f"该党员有未办结的转出介绍信{letter.letter_no}（转往{letter.destination}，"
            f"{letter.issued_on:%Y-%m-%d}开具），请先撤销该介绍信再登记出党"
        )
        raise ValidationError({"__all__": message})
    cleared, ended = ending_states(locked, on)
    _step(
        locked,
        "exit",
        actor,
        {"exited_on": on, "exit_kind": kind, **cleared},
        kind=kind,
        decision=kept,
        **ended,
    )
    add_event(locked, EventKind.EXITED, on, f"{ExitKind(kind).label}（{kept[:100]}）", actor)


@transaction.atomic
def record_death(member: Member, *, actor: Actor, on: date) -> None:
    """去世: a pending transfer letter is closed with it (revoked, marked why), and the
    management states end."""
    locked = lock_member(member, actor)
    flows.MEMBER.check_state(locked.status, "decease")
    check_date(on, "on", "去世日期")
    if (letter := pending_letter(locked)) is not None:
        letter.member = locked
        close_letter(letter, actor, on=max(on, letter.issued_on), reason=DIED_REASON)
    cleared, ended = ending_states(locked, on)
    _step(locked, "decease", actor, {"exited_on": on, **cleared}, on=on.isoformat(), **ended)
    add_event(locked, EventKind.DECEASED, on, "去世", actor)


def _save_states(locked: Member, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(locked, name, value)
    save_versioned(locked, expected_version=locked.version, fields=list(fields))


def _audit(locked: Member, actor: Actor, name: str, changes: dict[str, Any]) -> None:
    audit.record(name, actor=actor, obj=locked, org_path=locked.org.path, changes=changes)


@transaction.atomic
def place_under_watch(
    member: Member, *, actor: Actor, watch_from: date, watch_until: date, decision: str
) -> None:
    """留党察看 for its period (at most two years, 党章 第四十条): no vote, no election and no
    post while it lasts; the member's standing stays as it was."""
    locked = lock_member(member, actor)
    if locked.status not in IN_SERVICE:
        raise ValidationError({"watch_from": f"{locked.get_status_display()}不能登记留党察看"})
    check_date(watch_from, "watch_from", "起始日期")
    # The end lies ahead; the two-year bound below keeps it plausible.
    if message := watch_period_error(watch_from, watch_until):
        raise ValidationError({"watch_until": message})
    if message := watch_overlap_error(
        locked.watch_from, locked.watch_until, watch_from, watch_until
    ):
        raise ValidationError({"watch_from": message})
    kept = _decision(decision)
    _save_states(locked, {"watch_from": watch_from, "watch_until": watch_until})
    add_event(
        locked,
        EventKind.WATCH,
        watch_from,
        f"留党察看至{watch_until:%Y-%m-%d}（{kept[:100]}）",
        actor,
    )
    _audit(
        locked,
        actor,
        "members.member.watch",
        {"from": watch_from.isoformat(), "until": watch_until.isoformat(), "decision": kept},
    )


@transaction.atomic
def suspend_rights(member: Member, *, actor: Actor, since: date, reason: str) -> None:
    """中止党员权利 while the member is 依法留置 or 逮捕 (选举工作条例 第五条)."""
    locked = lock_member(member, actor)
    if locked.status not in IN_SERVICE:
        raise ValidationError({"since": f"{locked.get_status_display()}不能中止党员权利"})
    if locked.rights_suspended_since is not None:
        raise ValidationError({"since": "该党员的党员权利已中止"})
    if reason not in RightsSuspension.values:
        raise ValidationError({"reason": "请选择中止原因"})
    check_date(since, "since", "中止日期")
    _save_states(locked, {"rights_suspended_since": since, "rights_suspension": reason})
    label = RightsSuspension(reason).label
    add_event(locked, EventKind.RIGHTS_SUSPENDED, since, f"中止党员权利（{label}）", actor)
    _audit(
        locked,
        actor,
        "members.member.rights_suspended",
        {"since": since.isoformat(), "reason": reason},
    )


@transaction.atomic
def restore_rights(member: Member, *, actor: Actor, on: date) -> None:
    locked = lock_member(member, actor)
    since = locked.rights_suspended_since
    if since is None:
        raise ValidationError({"on": "该党员的党员权利未中止"})
    check_date(on, "on", "恢复日期")
    if on < since:
        raise ValidationError({"on": f"恢复日期不能早于中止日期（{since:%Y-%m-%d}）"})
    _save_states(locked, {"rights_suspended_since": None, "rights_suspension": ""})
    add_event(locked, EventKind.RIGHTS_RESTORED, on, "恢复党员权利", actor)
    _audit(
        locked,
        actor,
        "members.member.rights_restored",
        {"on": on.isoformat(), "since": since.isoformat()},
    )
