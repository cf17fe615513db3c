"""Denied requests, coalesced so that one account cannot flood the audit log (ADR 0007).

The first denial of a kind (same actor, action, method, object and path) is written in full at
once and opens a one-minute window. Identical denials inside the window only bump a counter in
``DenialWindow``. When the window has closed, one ``access.denied.repeated`` entry records the
count ("重复 N 次"), the first entry's sequence number and the window's times. Both are ordinary
chained entries; nothing already written is ever changed.

Closed windows are summarised by the next denial of the same kind, by any later denial
(``flush_closed_windows``), when the auditor opens or exports the log, and by ``verify_audit``.
All of it runs under the audit chain's lock, taken first, so concurrent workers neither lose a
count nor write a summary twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, require_actor
from dangjian.core.context import RequestContext, current_request
from dangjian.core.models import AuditEntry, AuditOutcome, DenialWindow
from dangjian.core.rules import (
    denial_key,
    repeated_denial_changes,
    window_closed_before,
    window_is_open,
)

DENIED = "access.denied"
REPEATED = "access.denied.repeated"


def _now() -> datetime:
    return clock.now()


def record_denial(
    actor: Actor, *, method: str, changes: dict[str, Any], now: datetime | None = None
) -> AuditEntry | None:
    """Record one denied request; the written entry, or ``None`` when it was counted into an
    open window instead."""
    moment = now or _now()
    require_actor(actor)  # a request's user, signed in or anonymous; never None
    authenticated = getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if authenticated else None
    username = actor.get_username() if authenticated else ""
    key = denial_key(
        actor_id=actor_id, username=username, action=DENIED, method=method, changes=changes
    )
    request = current_request()
    with transaction.atomic():
        audit.lock_chain()
        DenialWindow.objects.bulk_create([DenialWindow(key=key)], ignore_conflicts=True)
        window = DenialWindow.objects.select_for_update().get(key=key)
        if window_is_open(window.opened_at, moment):
            window.repeats += 1
            window.last_at = moment
            window.last_client_ip = request.client_ip
            window.last_request_id = request.request_id
            window.save(update_fields=["repeats", "last_at", "last_client_ip", "last_request_id"])
            return None
        if window.repeats:
            _write_summary(window)
        entry = audit.record(DENIED, actor=actor, outcome=AuditOutcome.DENIED, changes=changes)
        window.opened_at = window.last_at = moment
        window.first_seq = entry.seq
        window.repeats = 0
        window.actor_id, window.actor_username = actor_id, username
        window.action, window.changes = DENIED, changes
        window.last_client_ip, window.last_request_id = request.client_ip, request.request_id
        window.save()
    flush_closed_windows(moment)
    return entry


def _write_summary(window: DenialWindow) -> AuditEntry:
    """One chained entry for the repeats of a window, in the name of the repeating actor and
    with the address and request id of the last repeat."""
    assert window.opened_at is not None and window.last_at is not None
    # An anonymous repeater (no account) is named by the window, as its first entry was.
    actor = (
        get_user_model().objects.filter(pk=window.actor_id).first()
        if window.actor_id is not None
        else None
    ) or AnonymousUser()
    entry = audit.record(
        REPEATED,
        actor=actor,
        username=window.actor_username,
        outcome=AuditOutcome.DENIED,
        object_repr=f"重复 {window.repeats} 次",
        changes=repeated_denial_changes(
            window.changes,
            repeats=window.repeats,
            first_seq=window.first_seq,
            opened_at=window.opened_at,
            last_at=window.last_at,
        ),
        context=RequestContext(request_id=window.last_request_id, client_ip=window.last_client_ip),
    )
    window.repeats = 0
    return entry


def flush_closed_windows(now: datetime | None = None) -> int:
    """Write the summary of every closed window with repeats, and forget closed empty windows.
    Returns how many summaries were written."""
    cutoff = window_closed_before(now or _now())
    written = 0
    # One query when there is nothing to do: this runs on every denial and every log page.
    closed = list(
        DenialWindow.objects.filter(opened_at__lt=cutoff).values_list("pk", "repeats")[:1000]
    )
    for pk, repeats in closed:
        if not repeats:
            continue
        with transaction.atomic():
            audit.lock_chain()
            window = DenialWindow.objects.select_for_update().filter(pk=pk).first()
            # Re-read under the lock: another worker may have summarised or reopened it.
            if window is None or window.repeats == 0 or window.opened_at is None:
                continue
            if window.opened_at >= cutoff:
                continue
            _write_summary(window)
            window.save(update_fields=["repeats"])
            written += 1
    if closed:
        with transaction.atomic():
            audit.lock_chain()
            DenialWindow.objects.filter(opened_at__lt=cutoff, repeats=0).delete()
    return written


def record_service_refusal(request: Any) -> None:
    """A service found the object outside the user's scope (``NotVisible``): logged as the page
    logs a hidden object it refused itself, whichever edge (page or API) answers the 404."""
    record_denial(
        request.user,
        method=request.method or "",
        changes={"path": request.path, "refused_by": "service"},
    )
