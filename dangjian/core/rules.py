"""Pure rules of the core app: which denials count as the same, and when their window closes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

# Identical denials within this many seconds of the first become one summary entry (ADR 0007).
DENIAL_WINDOW_SECONDS = 60


def denial_key(
    *, actor_id: int | None, username: str, action: str, method: str, changes: dict[str, Any]
) -> str:
    """Same actor, audit action, HTTP method and details (denied permission, object, path)."""
    canonical = json.dumps(
        [actor_id, username, action, method.upper(), changes],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def window_is_open(
    opened_at: datetime | None, now: datetime, seconds: int = DENIAL_WINDOW_SECONDS
) -> bool:
    """A window opened by a written denial stays open for ``seconds``; a clock that went back
    (``now`` before the opening) closes it, so a denial is never suppressed indefinitely."""
    if opened_at is None:
        return False
    return opened_at <= now < opened_at + timedelta(seconds=seconds)


def window_closed_before(now: datetime, seconds: int = DENIAL_WINDOW_SECONDS) -> datetime:
    """Windows opened before this moment are closed."""
    return now - timedelta(seconds=seconds)


def repeated_denial_changes(
    first_changes: dict[str, Any],
    *,
    repeats: int,
    first_seq: int | None,
    opened_at: datetime,
    last_at: datetime,
) -> dict[str, Any]:
    """What the summary entry records: the denial itself plus how often it was repeated."""
    return {
        **first_changes,
        "repeats": repeats,
        "first_seq": first_seq,
        "window_opened_at": opened_at.isoformat(),
        "last_repeat_at": last_at.isoformat(),
    }
