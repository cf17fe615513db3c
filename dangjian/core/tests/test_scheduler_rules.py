"""Schedule arithmetic, pure: slots, the due slot after downtime, Chinese descriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dangjian.core.scheduler.rules import Cron, Every, describe, due_slot, latest_slot, next_slot

CST = ZoneInfo("Asia/Shanghai")
NIGHTLY = Cron("30 2 * * *")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


@pytest.mark.parametrize(
    ("schedule", "now", "latest", "upcoming"),
    [
        (NIGHTLY, "2028-03-01 02:29:59", "2028-02-29 02:30", "2028-03-01 02:30"),
        (NIGHTLY, "2028-03-01 02:30:00", "2028-03-01 02:30", "2028-03-02 02:30"),
        (NIGHTLY, "2028-03-01 02:30:00.500", "2028-03-01 02:30", "2028-03-02 02:30"),
        (NIGHTLY, "2028-12-31 23:59:59", "2028-12-31 02:30", "2029-01-01 02:30"),
        (Cron("15 * * * *"), "2028-03-01 10:14:00", "2028-03-01 09:15", "2028-03-01 10:15"),
        (Cron("0 9 * * 1"), "2028-03-01 12:00:00", "2028-02-28 09:00", "2028-03-06 09:00"),
        (Every(60), "2028-03-01 10:14:59", "2028-03-01 10:14", "2028-03-01 10:15"),
        (Every(3600), "2028-03-01 10:00:00", "2028-03-01 10:00", "2028-03-01 11:00"),
    ],
)
def test_latest_and_next_slot(schedule, now, latest, upcoming) -> None:
    assert latest_slot(schedule, at(now)) == at(latest)
    assert next_slot(schedule, at(now)) == at(upcoming)
    assert latest_slot(schedule, at(now)).tzinfo == UTC


def test_a_cron_schedule_is_read_in_the_county_time_zone() -> None:
    # 19:00 UTC on 1 March is 03:00 on 2 March in Beijing; that night's 02:30 was 18:30 UTC.
    assert latest_slot(NIGHTLY, datetime(2028, 3, 1, 19, 0, tzinfo=UTC)) == datetime(
        2028, 3, 1, 18, 30, tzinfo=UTC
    )
    assert latest_slot(NIGHTLY, datetime(2028, 3, 1, 18, 0, tzinfo=UTC)) == datetime(
        2028, 2, 29, 18, 30, tzinfo=UTC
    )
    # 09:00 in Beijing is 01:00 UTC: a schedule read in UTC still has 02:30 ahead that day.
    assert next_slot(Cron("30 2 * * *", timezone="UTC"), at("2028-03-01 09:00")) == datetime(
        2028, 3, 1, 2, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("last", "now", "due"),
    [
        # Ran for last night's slot: nothing due until tonight's.
        ("2028-03-01 02:30", "2028-03-01 23:00:00", None),
        ("2028-03-01 02:30", "2028-03-02 02:30:00", "2028-03-02 02:30"),
        # Down for two nights: one run, for the latest slot only (catch-up once).
        ("2028-02-28 02:30", "2028-03-01 10:00:00", "2028-03-01 02:30"),
        # A job never seen has no due slot: the caller records the latest slot as its start.
        (None, "2028-03-01 10:00:00", None),
    ],
)
def test_due_slot(last, now, due) -> None:
    last_slot = at(last) if last else None
    expected = at(due) if due else None
    assert due_slot(NIGHTLY, last_slot=last_slot, now=at(now)) == expected


def test_catching_up_after_a_skipped_day_then_runs_on_schedule_again() -> None:
    last = at("2028-02-28 02:30")
    now = at("2028-03-01 09:00")
    slot = due_slot(NIGHTLY, last_slot=last, now=now)
    assert slot == at("2028-03-01 02:30")
    assert due_slot(NIGHTLY, last_slot=slot, now=now + timedelta(hours=1)) is None
    assert due_slot(NIGHTLY, last_slot=slot, now=at("2028-03-02 02:30")) == at("2028-03-02 02:30")


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (Cron("30 2 * * *"), "每天 02:30"),
        (Cron("15 * * * *"), "每小时第 15 分"),
        (Cron("*/5 * * * *"), "每 5 分钟"),
        (Cron("* * * * *"), "每分钟"),
        (Cron("0 9 * * 1"), "每周一 09:00"),
        (Cron("0 8 1 * *"), "每月 1 日 08:00"),
        (Cron("0 8 1 1-6 *"), "按 cron 表达式“0 8 1 1-6 *”"),
        (Cron("30 2 * * *", timezone="UTC"), "每天 02:30（UTC）"),
        (Every(30), "每 30 秒"),
        (Every(60), "每分钟"),
        (Every(300), "每 5 分钟"),
        (Every(3600), "每小时"),
        (Every(86400), "每天"),
        (Every(2 * 86400), "每 2 天"),
    ],
)
def test_schedules_read_in_chinese(schedule, text) -> None:
    assert describe(schedule) == text


def test_bad_schedules_are_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="bad cron expression"):
        Cron("61 * * * *")
    with pytest.raises(ValueError, match="positive"):
        Every(0)
    with pytest.raises(ValueError, match="aware"):
        latest_slot(NIGHTLY, datetime(2028, 3, 1))
