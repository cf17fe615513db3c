"""Pure rules of the platform itself: plausible dates, names free of invisible characters, and
the supervision of its processes (restart backoff, worker liveness).

No ORM and no clock: ``today`` is passed in. Services apply these so every entry path (form, API,
Excel import, command) is covered; forms and serializers may apply them earlier for a quicker
answer, always through these functions.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

# The Party was founded on 1921-07-01: no admission, organisation, committee term or movement
# on this platform can be older.
PARTY_FOUNDED = date(1921, 7, 1)
# Enterprises (and their ownership transfers) may predate the Party; older than this is a typo.
EARLIEST_ENTERPRISE_DATE = date(1900, 1, 1)
# Dates that are planned rather than recorded (a term extension, an account's validity) may lie
# ahead, but not further than this.
PLANNED_DAYS_AHEAD = 5 * 366

# Cc: control characters (NUL, ESC, newline…); Cf: format characters (right-to-left override,
# zero-width space/joiner, BOM, soft hyphen…); Zl/Zp: line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


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
    if any(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in value):
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
