"""Pure schedule arithmetic: where a job's slots fall, which slot is due, how a schedule reads in
Chinese. No ORM and no clock: ``now`` is always passed in (aware datetimes).

A *slot* is a moment a schedule names (every day at 02:30, every 60 s counted from the epoch).
A job is due when the latest slot at or before ``now`` is later than the slot it last ran for;
slots missed while the scheduler was down collapse into that one latest slot, so a job runs
once on start-up, not once per missed slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

COUNTY_TIMEZONE = "Asia/Shanghai"
_WEEKDAYS = {
    "0": "日",
    "1": "一",
    "2": "二",
    "3": "三",
    "4": "四",
    "5": "五",
    "6": "六",
    "7": "日",
}


@dataclass(frozen=True)
class Every:
    """A fixed interval, its slots counted from the Unix epoch so every node agrees on them."""

    seconds: int

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError("an interval schedule needs a positive number of seconds")


@dataclass(frozen=True)
class Cron:
    """A five-field cron expression read in the county's time zone (China has no summer time,
    but cronsim would handle one)."""

    expression: str
    timezone: str = COUNTY_TIMEZONE

    def __post_init__(self) -> None:
        try:
            CronSim(self.expression, datetime(2000, 1, 1, tzinfo=ZoneInfo(self.timezone)))
        except CronSimError as exc:
            raise ValueError(f"bad cron expression {self.expression!r}: {exc}") from exc


Schedule = Every | Cron


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("schedule arithmetic needs an aware datetime")


def latest_slot(schedule: Schedule, now: datetime) -> datetime:
    """The latest slot at or before ``now`` (in UTC)."""
    _require_aware(now)
    if isinstance(schedule, Every):
        epoch_seconds = int(now.timestamp())
        return datetime.fromtimestamp(epoch_seconds - epoch_seconds % schedule.seconds, UTC)
    local = now.astimezone(ZoneInfo(schedule.timezone)).replace(microsecond=0)
    # cronsim's reverse iteration yields slots strictly before its start: start a second later.
    slot = next(CronSim(schedule.expression, local + timedelta(seconds=1), reverse=True))
    return slot.astimezone(UTC)


def next_slot(schedule: Schedule, now: datetime) -> datetime:
    """The first slot strictly after ``now`` (in UTC)."""
    _require_aware(now)
    if isinstance(schedule, Every):
        return latest_slot(schedule, now) + timedelta(seconds=schedule.seconds)
    local = now.astimezone(ZoneInfo(schedule.timezone))
    return next(CronSim(schedule.expression, local)).astimezone(UTC)


def due_slot(schedule: Schedule, *, last_slot: datetime | None, now: datetime) -> datetime | None:
    """The slot to run for now, or ``None`` when the latest slot has already been run. A job
    without a last slot has never been seen: its first run is at its next slot, not at once
    (the caller records the latest slot as its starting point)."""
    slot = latest_slot(schedule, now)
    if last_slot is None or slot <= last_slot:
        return None
    return slot


def _two_digits(value: str) -> str | None:
    return value.zfill(2) if value.isdigit() else None


def _cron_in_chinese(expression: str) -> str:
    fields = expression.split()
    if len(fields) != 5:
        return f"按 cron 表达式“{expression}”"
    minute, hour, day, month, weekday = fields
    mm, hh = _two_digits(minute), _two_digits(hour)
    if (day, month, weekday) == ("*", "*", "*"):
        if (minute, hour) == ("*", "*"):
            return "每分钟"
        if minute.startswith("*/") and minute[2:].isdigit() and hour == "*":
            return f"每 {int(minute[2:])} 分钟"
        if mm and hour == "*":
            return f"每小时第 {int(minute)} 分"
        if mm and hh:
            return f"每天 {hh}:{mm}"
    if mm and hh and month == "*":
        if day == "*" and weekday in _WEEKDAYS:
            return f"每周{_WEEKDAYS[weekday]} {hh}:{mm}"
        if weekday == "*" and day.isdigit():
            return f"每月 {int(day)} 日 {hh}:{mm}"
    return f"按 cron 表达式“{expression}”"


def describe(schedule: Schedule) -> str:
    """How the jobs page shows a schedule: ``每天 02:30``, ``每 5 分钟``, ``每小时第 15 分``."""
    if isinstance(schedule, Every):
        seconds = schedule.seconds
        if seconds % 86400 == 0:
            return "每天" if seconds == 86400 else f"每 {seconds // 86400} 天"
        if seconds % 3600 == 0:
            return "每小时" if seconds == 3600 else f"每 {seconds // 3600} 小时"
        if seconds % 60 == 0:
            return "每分钟" if seconds == 60 else f"每 {seconds // 60} 分钟"
        return f"每 {seconds} 秒"
    text = _cron_in_chinese(schedule.expression)
    return text if schedule.timezone == COUNTY_TIMEZONE else f"{text}（{schedule.timezone}）"
