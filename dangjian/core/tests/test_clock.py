"""One place reads the clock: a guard over the source, and the session clock switch."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dangjian.core import clock
from dangjian.testkit.clock import parse_destination

ROOT = Path(__file__).resolve().parents[2]
# Direct clock reads. ``timezone.localdate(value)`` converts a given instant and is allowed.
CLOCK_READ = re.compile(
    r"timezone\.now\(\)|timezone\.localdate\(\)|timezone\.localtime\(\)"
    r"|\bdate\.today\(\)|\bdatetime\.(?:now|utcnow|today)\(|\btime\.time\(\)"
)
# The clock module itself; migrations, tests and benchmarks measure or set up, they do not decide.
ALLOWED = ("core/clock.py", "/migrations/", "/tests/", "/benchmarks/", "/testkit/")


def _offenders() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if any(part in f"/{relative}" for part in ALLOWED):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if CLOCK_READ.search(line.split("#", 1)[0]):
                found.append(f"dangjian/{relative}:{number}: {line.strip()}")
    return found


def test_only_core_clock_reads_the_clock() -> None:
    offenders = _offenders()
    assert not offenders, "read the clock through dangjian.core.clock:\n" + "\n".join(offenders)


def test_the_guard_catches_each_spelling(tmp_path: Path) -> None:
    for spelling in (
        "timezone.now()",
        "timezone.localdate()",
        "date.today()",
        "datetime.now(UTC)",
        "datetime.utcnow()",
        "time.time()",
    ):
        assert CLOCK_READ.search(f"x = {spelling}"), spelling
    assert not CLOCK_READ.search("day = timezone.localdate(now)")
    assert not CLOCK_READ.search("time.monotonic()")


def test_rules_modules_take_the_day_from_the_caller() -> None:
    for path in sorted(ROOT.rglob("rules.py")):
        text = path.read_text(encoding="utf-8")
        assert "dangjian.core.clock" not in text and "import clock" not in text, path
        assert (
            "django.utils.timezone" not in text and "from django.utils import timezone" not in text
        ), path


def test_today_is_the_date_in_asia_shanghai(time_machine) -> None:
    # 2026-12-31 17:30 UTC is already 2027-01-01 in Asia/Shanghai.
    time_machine.move_to(datetime(2026, 12, 31, 17, 30, tzinfo=UTC), tick=False)
    assert clock.now() == datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    assert clock.today() == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2028-03-01", datetime(2028, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))),
        ("2028-03-01T23:30", datetime(2028, 3, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))),
        ("2028-03-01T01:00+00:00", datetime(2028, 3, 1, 1, 0, tzinfo=UTC)),
    ],
)
def test_session_clock_destination(value: str, expected: datetime) -> None:
    assert parse_destination(value) == expected


@pytest.mark.parametrize("value", ["2028-02-30", "next year", "2028/03/01"])
def test_session_clock_refuses_a_bad_destination(value: str) -> None:
    with pytest.raises(ValueError, match="DANGJIAN_TEST_CLOCK"):
        parse_destination(value)
