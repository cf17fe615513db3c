"""Sealed reporting periods: the service that seals one and the guard every write calls.

Once the county seals a period for an organisation, nothing dated inside it may be written for
that organisation or any organisation below it. A mistake found later is corrected by an
amendment, never by editing the original (ADR 0016):

    @transaction.atomic
    def correct_entry(original, *, actor, today, **changes):
        ensure_open(original.org, today, field="recorded_on")      # the amendment's own day
        amendment = Entry.objects.create(amends=original, recorded_on=today, ...)
        audit.record("ledger.entry.amend", actor=actor, obj=amendment, ...)

and a write dated inside a period calls ``ensure_open(org, day)`` before it changes anything,
inside the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.actors import Actor, SystemActor, actor_name
from dangjian.core.models import SealedPeriod
from dangjian.core.periods import Period, periods_containing
from dangjian.core.permissions import Action
from dangjian.core.scoping import require_permits_on

SEALED_MESSAGE = "该期间已封存，不能修改；如需更正请提交更正记录"
KEY_FORMAT_MESSAGE = "期间格式不正确，应为 2026、2026-H1、2026-Q1 或 2026-M03"


def _lineage_paths(org: models.Model) -> list[str]:
    """The paths of ``org`` and every node above it (materialised-path prefixes)."""
    path: str = org.path  # type: ignore[attr-defined]
    step: int = getattr(type(org), "steplen", 4)
    return [path[:end] for end in range(step, len(path) + 1, step)]


def sealed_period_for(org: models.Model, day: date) -> SealedPeriod | None:
    """The sealing that covers ``day`` for ``org`` (sealed on it or above it), if any."""
    keys = [period.key for period in periods_containing(day)]
    return (
        SealedPeriod.objects.filter(period_key__in=keys, org__path__in=_lineage_paths(org))
        .order_by("sealed_at")
        .first()
    )


def ensure_open(org: models.Model, day: date, *, field: str = "__all__") -> None:
    """Refuse a write dated ``day`` for ``org`` when a period containing it is sealed.

    Call it inside the write's transaction, before anything is changed; ``field`` names the
    form field that holds the date, so the message appears next to it."""
    if sealed_period_for(org, day) is not None:
        raise ValidationError({field: SEALED_MESSAGE})


def _covering_keys(period: Period) -> list[str]:
    """``period`` and every coarser period that contains it whole."""
    return [
        candidate.key
        for candidate in periods_containing(period.first_day)
        if candidate.first_day <= period.first_day and candidate.last_day >= period.last_day
    ]


@transaction.atomic
def seal_period(
    org: models.Model, period_key: str, *, actor: Actor, now: datetime, note: str = ""
) -> SealedPeriod:
    """Seal ``period_key`` for ``org`` and its subtree. Only a period that has ended can be
    sealed; sealing is final (there is no unseal)."""
    require_permits_on(actor, Action.PERIOD_SEAL, org)
    try:
        period = Period.parse(period_key.strip())
    except ValueError:
        raise ValidationError({"period_key": KEY_FORMAT_MESSAGE}) from None
    today = timezone.localdate(now)
    if period.last_day >= today:
        raise ValidationError({"period_key": f"{period.label}尚未结束，不能封存"})
    note = note.strip()
    if len(note) > 200:
        raise ValidationError({"note": "说明不能超过200个字"})
    # One sealing at a time per organisation: the second of two concurrent requests waits here
    # and then finds the first one's row.
    type(org)._default_manager.select_for_update().filter(pk=org.pk).first()
    already = SealedPeriod.objects.filter(
        period_key__in=_covering_keys(period), org__path__in=_lineage_paths(org)
    ).exists()
    if already:
        raise ValidationError({"period_key": f"{period.label}已封存"})
    try:
        with transaction.atomic():
            sealed = SealedPeriod.objects.create(
                org=org,  # type: ignore[misc]
                period_key=period.key,
                sealed_at=now,
                sealed_by=None if isinstance(actor, SystemActor) else actor,
                sealed_by_name=actor_name(actor),
                note=note,
            )
    except IntegrityError:
        raise ValidationError({"period_key": f"{period.label}已封存"}) from None
    audit.record(
        "core.period.seal",
        actor=actor,
        obj=sealed,
        org_path=org.path,  # type: ignore[attr-defined]
        object_repr=f"{org}：{period.label}",
        changes={
            "period_key": period.key,
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
            "note": note,
        },
    )
    return sealed
