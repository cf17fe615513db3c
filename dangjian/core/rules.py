"""Pure rules of the platform itself: plausible dates, names free of invisible characters, and
the supervision of its processes (restart backoff, worker liveness), and which denials count
as the same and when their window closes.

No ORM and no clock: ``today`` is passed in. Services apply these so every entry path (form, API,
Excel import, command) is covered; forms and serializers may apply them earlier for a quicker
answer, always through these functions.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

# The Party was founded on 1921-07-01: no admission, organisation, committee term or movement
# on this platform can be older.
PARTY_FOUNDED = date(1921, 7, 1)
# Enterprises (and their ownership transfers) may predate the Party; older than this is a typo.
EARLIEST_ENTERPRISE_DATE = date(1900, 1, 1)

# Cc: control characters (NUL, ESC, newline…); Cf: format characters (right-to-left override,
# zero-width space/joiner, BOM, soft hyphen…); Zl/Zp: line and paragraph separators.
# Co/Cn: private-use and unassigned code points, which no font shows the same way.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn"})
# Characters of other categories that draw nothing: the combining grapheme joiner, the Hangul
# fillers, the braille blank, the standard variation selectors. (CJK ideographic variation
# selectors, U+E0100 on, stay allowed: a rare character in a name may need one.)
BLANK_LOOKING = frozenset(
    {"\u034f", "\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
    | {chr(code) for code in range(0xFE00, 0xFE10)}
)


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def date_range_error(
    value: date | None,
    *,
    label: str,
    today: date,
    earliest: date = PARTY_FOUNDED,
    days_ahead: int = 0,
) -> str | None:
    """A Chinese message naming ``label`` when ``value`` lies outside [earliest, today +
    days_ahead], or ``None`` (an empty date is the caller's business)."""
    if value is None:
        return None
    if value < earliest:
        return f"{label}不能早于{_day(earliest)}"
    latest = today + timedelta(days=days_ahead)
    if value > latest:
        return f"{label}不能晚于今天" if days_ahead == 0 else f"{label}不能晚于{_day(latest)}"
    return None


def invisible_character_error(value: str, *, label: str) -> str | None:
    """A Chinese message naming ``label`` when ``value`` holds a control or format character
    (a right-to-left override or a zero-width character makes one name look like another)."""
    # Fast path for the usual name: printable (no Cc, Cf, Zl, Zp, Co, Cn) and no blank-looking
    # character; only the rest is looked at character by character.
    if value.isprintable() and BLANK_LOOKING.isdisjoint(value):
        return None
    if any(
        char in BLANK_LOOKING or unicodedata.category(char) in INVISIBLE_CATEGORIES
        for char in value
    ):
        return f"{label}含有不可见的控制字符，请删除后重新输入"
    return None


@dataclass(frozen=True)
class Backoff:
    """Restart delays: ``initial`` seconds, doubled after every quick death up to ``cap``; a
    process that ran ``healthy_after`` seconds or more starts again from ``initial``."""

    initial: float = 1.0
    cap: float = 30.0
    healthy_after: float = 60.0


def next_restart_delay(previous: float | None, ran_for: float, policy: Backoff) -> float:
    """Delay before restarting a process that died after ``ran_for`` seconds, given the delay
    used before its last start (``None`` when it never had to be restarted)."""
    if previous is None or ran_for >= policy.healthy_after:
        return policy.initial
    return min(max(previous, policy.initial) * 2, policy.cap)


def worker_liveness(last_beat: float | None, now: float, stale_after: float) -> str:
    """``ok`` while the heartbeat is fresher than ``stale_after`` seconds, otherwise a short
    reason for the health check: ``stale: 95 s`` or ``never seen``. Times are epoch seconds."""
    if last_beat is None:
        return "never seen"
    age = now - last_beat
    if age <= stale_after:
        return "ok"  # a beat slightly in the future (clock step) still counts as fresh
    return f"stale: {int(age)} s"


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


def add_months(start: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (Jan 31 + 1 month → Feb 28/29)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError("unreachable")
