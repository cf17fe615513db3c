"""Moving the whole test session to another date: ``DANGJIAN_TEST_CLOCK=2028-03-01 pytest``.

No test may depend on the day it runs; running the suite years ahead proves it. The session
travels before the demo county is built, with the clock ticking (timeouts, heartbeats and
lockouts still see time pass). A single test freezes or moves time with the ``time_machine``
fixture on top of this.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

ENV_VAR = "DANGJIAN_TEST_CLOCK"
# A date alone means 09:00 in the platform's zone, so "today" is that date in Asia/Shanghai
# and also in UTC.
_DEFAULT_TIME = clock_time(9, 0)
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


# Child processes (live server, workers, ``manage.py`` runs) pick the offset up through the
# ``sitecustomize`` in ``travel/``; the name avoids the DANGJIAN_ prefix the live server strips.
OFFSET_VAR = "TEST_CLOCK_OFFSET_SECONDS"
_SITE_DIR = Path(__file__).resolve().parent / "travel"


def session_traveller() -> time_machine.travel | None:
    """The traveller for this session, not yet started, when the variable is set. Also exports
    the offset so every Python child process of the session travels with it."""
    value = os.environ.get(ENV_VAR, "")
    if not value:
        return None
    destination = parse_destination(value)
    os.environ[OFFSET_VAR] = str(destination.timestamp() - time.time())
    paths = [str(_SITE_DIR), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    return time_machine.travel(destination, tick=True)
