"""Moving the whole test session to another date: ``DANGJIAN_TEST_CLOCK=2028-03-01 pytest``.

No test may depend on the day it runs; running the suite years ahead proves it. The session
travels before the demo county is built, with the clock ticking (timeouts, heartbeats and
lockouts still see time pass). A single test freezes or moves time with the ``time_machine``
fixture on top of this.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine

ENV_VAR = "DANGJIAN_TEST_CLOCK"
# A date alone means 09:00 in the platform's zone, so "today" is that date in Asia/Shanghai
# and also in UTC.
_DEFAULT_TIME = time(9, 0)
_ZONE = ZoneInfo("Asia/Shanghai")


def parse_destination(value: str) -> datetime:
    """``2028-03-01`` or an ISO datetime (naive means Asia/Shanghai)."""
    text = value.strip()
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text)
        else:
            moment = datetime.combine(date.fromisoformat(text), _DEFAULT_TIME)
    except ValueError as exc:
        raise ValueError(f"{ENV_VAR}={value!r} is not an ISO date or datetime") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=_ZONE)


def session_traveller() -> time_machine.travel | None:
    """The traveller for this session, not yet started, when the variable is set."""
    value = os.environ.get(ENV_VAR, "")
    if not value:
        return None
    return time_machine.travel(parse_destination(value), tick=True)
