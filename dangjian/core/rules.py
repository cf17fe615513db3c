"""Pure decisions of the platform's own processes: supervision backoff and worker liveness.

No clock reads and no ORM here; callers pass the time in, so every rule is a table test.
"""

from __future__ import annotations

from dataclasses import dataclass


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
