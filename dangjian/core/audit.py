"""Writing and verifying the audit chain.

Every entry carries ``mac = HMAC-SM3(key, prev_mac || canonical(entry))``. The key lives in the
keyring outside the database, so an attacker with database access alone cannot forge a consistent
chain; triggers stop casual UPDATE/DELETE, the chain catches what gets past them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from dangjian.core import clock
from dangjian.core.actors import Actor, actor_name, require_actor
from dangjian.core.audit_names import check_declared
from dangjian.core.context import RequestContext, current_request
from dangjian.core.crypto import hmac_sm3
from dangjian.core.models import AuditEntry, AuditOutcome

GENESIS_MAC = "0" * 64
_PG_AUDIT_LOCK = 7_310_001  # advisory lock id serialising appends on PostgreSQL

MAC_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_roles",
    "org_path",
    "client_ip",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "outcome",
    "prev_mac",
)


@lru_cache(maxsize=1)
def _mac_key() -> bytes:
    key: bytes = settings.KEYRING.audit_mac_key
    return key


def _canonical(values: dict[str, Any]) -> bytes:
    normalised = dict(values)
    created = normalised["created_at"]
    if isinstance(created, datetime):
        normalised["created_at"] = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(
        normalised, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def compute_mac(entry: AuditEntry) -> str:
    values = {name: getattr(entry, name) for name in MAC_FIELDS}
    return hmac_sm3(_mac_key(), _canonical(values)).hex()


def _jsonable(value: Any) -> Any:
    """Audit changes must survive a JSON round trip byte for byte, so store only plain types."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def lock_chain() -> None:
    """Serialise appends for the rest of the transaction (PostgreSQL; SQLite's IMMEDIATE
    transactions already are). Callers that lock other rows before appending take this first,
    so every transaction acquires the locks in the same order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_AUDIT_LOCK])


def role_snapshot(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    from dangjian.core.permissions import describe_roles

    return describe_roles(user)[:1000]


def record(
    action: str,
    *,
    actor: Actor,
    obj: models.Model | None = None,
    org_path: str = "",
    changes: dict[str, Any] | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    object_repr: str | None = None,
    username: str = "",
    context: RequestContext | None = None,
) -> AuditEntry:
    """Append one entry. Call inside the transaction of the change it records (it joins it).

    ``context`` replaces the current request's address and id, for an entry written on behalf of
    an earlier request (a summary of repeated denials). ``actor`` is never ``None``: a command or
    job passes its ``SystemActor`` (named ``system:<name>`` unless ``username`` says otherwise)."""
    require_actor(actor)
    check_declared(action)
    request = context or current_request()
    authenticated = getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        lock_chain()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "mac").first()
        seq, prev_mac = (last[0] + 1, last[1]) if last else (1, GENESIS_MAC)
        entry = AuditEntry(
            seq=seq,
            created_at=clock.now(),
            actor_id=actor.pk if authenticated else None,
            # A command or job without an explicit name is named by its SystemActor.
            actor_username=(
                actor.get_username() if authenticated else (username or actor_name(actor))
            )[:150],
            actor_roles=role_snapshot(actor),
            org_path=org_path,
            client_ip=request.client_ip,
            request_id=request.request_id,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=(object_repr if object_repr is not None else (str(obj) if obj else ""))[
                :255
            ],
            changes=_jsonable(changes or {}),
            outcome=str(outcome),
            prev_mac=prev_mac,
        )
        entry.mac = compute_mac(entry)
        entry.save(force_insert=True)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Field-level change set ``{field: [old, new]}`` for the fields that changed."""
    return {
        name: [_jsonable(before.get(name)), _jsonable(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def _walk(entries: Iterable[AuditEntry]) -> Iterator[tuple[AuditEntry, str]]:
    expected_seq, prev_mac = 1, GENESIS_MAC
    for entry in entries:
        if entry.seq != expected_seq:
            yield entry, f"序号不连续：应为 {expected_seq}，实为 {entry.seq}"
            return
        if entry.prev_mac != prev_mac:
            yield entry, "与前一条的链接校验值不符"
            return
        if compute_mac(entry) != entry.mac:
            yield entry, "内容与校验值不符（记录被改动）"
            return
        expected_seq, prev_mac = expected_seq + 1, entry.mac


def verify_chain() -> VerifyResult:
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    bad = next(_walk(entries), None)
    if bad is not None:
        entry, reason = bad
        return VerifyResult(ok=False, checked=entry.seq - 1, bad_seq=entry.seq, reason=reason)
    return VerifyResult(ok=True, checked=AuditEntry.objects.count())


def chain_head() -> tuple[int, str]:
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "mac").first()
    return (last[0], last[1]) if last else (0, GENESIS_MAC)
