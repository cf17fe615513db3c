"""The one place the platform reads the clock.

Views, API views, commands and jobs call ``now()`` or ``today()`` once, at the edge, and pass
the value down: services and rules take ``now``/``today`` as parameters, so a test (or a replayed
job) decides what time it is, and one request sees one instant throughout. A guard test
(``core/tests/test_clock.py``) fails when the clock is read anywhere else.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return timezone.now()


def today() -> date:
    """Today's date in the platform's time zone (``TIME_ZONE``, Asia/Shanghai)."""
    return timezone.localdate(timezone.now())


def local_now() -> datetime:
    """The current instant in the platform's time zone, for stamps people read (file names)."""
    return timezone.localtime(timezone.now())


def epoch_seconds() -> float:
    """Seconds since the epoch, for values shared with other processes or kept in a session."""
    return timezone.now().timestamp()
