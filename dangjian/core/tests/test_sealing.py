"""Sealed periods: who may seal, what sealing refuses, and that refusals write nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.accounts.services import create_account, grant_role
from dangjian.core.actors import SystemActor
from dangjian.core.errors import NotVisible
from dangjian.core.models import AuditEntry, SealedPeriod
from dangjian.core.permissions import Role
from dangjian.core.sealing import SEALED_MESSAGE, ensure_open, seal_period, sealed_period_for

MAY_2026 = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _unchanged():
    return SealedPeriod.objects.count(), AuditEntry.objects.count()


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_sealing_refuses_writes_in_the_subtree_only(org, user) -> None:
    sealed = seal_period(
        org("CT01"), "2026-Q1", actor=user("supervisor"), now=MAY_2026, note="一季度台账"
    )
    assert (sealed.period_key, sealed.sealed_by, sealed.sealed_at) == (
        "2026-Q1",
        user("supervisor"),
        MAY_2026,
    )
    entry = AuditEntry.objects.order_by("-seq")[0]
    assert entry.action == "core.period.seal"
    assert entry.org_path == org("CT01").path
    assert entry.changes["period_key"] == "2026-Q1"
    assert entry.changes["last_day"] == "2026-03-31"

    for code in ("CT01", "CT01-ZB1"):
        with pytest.raises(ValidationError) as refused:
            ensure_open(org(code), date(2026, 2, 10), field="recorded_on")
        assert _messages(refused) == {"recorded_on": [SEALED_MESSAGE]}
    assert sealed_period_for(org("CT01-ZB1"), date(2026, 3, 31)) == sealed
    # The next day, a sibling and the parent are still open.
    ensure_open(org("CT01-ZB1"), date(2026, 4, 1))
    ensure_open(org("CT02"), date(2026, 2, 10))
    ensure_open(org("CT"), date(2026, 2, 10))


@pytest.mark.parametrize(
    ("key", "field", "message"),
    [
        ("2026-Q2", "period_key", "2026年第二季度尚未结束，不能封存"),
        ("2026", "period_key", "2026年度尚未结束，不能封存"),
        ("2026-M4", "period_key", "期间格式不正确，应为 2026、2026-H1、2026-Q1 或 2026-M03"),
        ("2026年一季度", "period_key", "期间格式不正确，应为 2026、2026-H1、2026-Q1 或 2026-M03"),
    ],
)
def test_bad_seal_names_the_field_and_writes_nothing(org, user, key, field, message) -> None:
    before = _unchanged()
    with pytest.raises(ValidationError) as refused:
        seal_period(org("CT01"), key, actor=user("supervisor"), now=MAY_2026)
    assert _messages(refused) == {field: [message]}
    assert _unchanged() == before


def test_a_period_is_sealed_once_including_by_a_coarser_period_above(org, user) -> None:
    supervisor = user("supervisor")
    seal_period(org("CT"), "2025", actor=supervisor, now=MAY_2026)
    before = _unchanged()
    for node, key in (("CT", "2025"), ("CT01", "2025-H2"), ("CT01-ZB1", "2025-M07")):
        with pytest.raises(ValidationError, match="已封存"):
            seal_period(org(node), key, actor=supervisor, now=MAY_2026)
    assert _unchanged() == before
    # A finer period of another year is its own decision.
    seal_period(org("CT01"), "2026-M04", actor=supervisor, now=MAY_2026)


def test_only_the_county_role_in_scope_may_seal(org, user) -> None:
    elsewhere, _ = create_account(
        actor=SystemActor("tests"),
        username="seal_elsewhere",
        full_name="另一集团",
        password="Seal-Passw0rd!x",
        must_change_password=False,
    )
    grant_role(actor=SystemActor("tests"), user=elsewhere, role=Role.SUPERVISOR, node=org("JT01"))
    before = _unchanged()
    with pytest.raises(PermissionDenied):
        seal_period(org("CT01-ZB1"), "2026-Q1", actor=user("secretary1"), now=MAY_2026)
    with pytest.raises(TypeError):
        seal_period(org("CT01"), "2026-Q1", actor=None, now=MAY_2026)  # type: ignore[arg-type]
    with pytest.raises(NotVisible):
        seal_period(org("CT01"), "2026-Q1", actor=elsewhere, now=MAY_2026)
    assert _unchanged() == before


def test_amendment_pattern_writes_into_the_open_period(org, user) -> None:
    """A correction of a sealed entry is dated today, in an open period; the guard lets it in."""
    seal_period(org("CT01"), "2026-Q1", actor=user("supervisor"), now=MAY_2026)
    original_day, correction_day = date(2026, 3, 20), date(2026, 5, 1)
    with pytest.raises(ValidationError):
        ensure_open(org("CT01-ZB1"), original_day)
    ensure_open(org("CT01-ZB1"), correction_day)
