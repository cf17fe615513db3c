"""Reporting periods: months, quarters, half-years and years, with stable keys.

A key names a period the same way in the database, URLs, exports and audit entries:
``2026-M03`` (March), ``2026-Q1``, ``2026-H1``, ``2026`` (the year). Pure: no ORM and no clock —
the day is always passed in. Sealing a period (refusing writes into it) is in
``dangjian.core.sealing``; this module only does the calendar arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


# Months in one period of each kind, and how many such periods a year holds.
_MONTHS = {
    PeriodKind.MONTH: 1,
    PeriodKind.QUARTER: 3,
    PeriodKind.HALF_YEAR: 6,
    PeriodKind.YEAR: 12,
}
_KEY_LETTER = {PeriodKind.MONTH: "M", PeriodKind.QUARTER: "Q", PeriodKind.HALF_YEAR: "H"}
_KIND_BY_LETTER = {letter: kind for kind, letter in _KEY_LETTER.items()}
_KEY_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<letter>[MQH])(?P<index>\d{1,2}))?$")
_QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
_HALF_NAMES = ("上半年", "下半年")
# date supports years 1..9999; keys are four digits, so the first year is 1000.
MIN_YEAR, MAX_YEAR = 1000, 9999


@dataclass(frozen=True, order=True)
class Period:
    """One period: ``index`` counts from 1 within the year (month 1–12, quarter 1–4, half 1–2;
    always 1 for a year)."""

    year: int
    kind: PeriodKind
    index: int

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year {self.year} outside {MIN_YEAR}..{MAX_YEAR}")
        if not 1 <= self.index <= self.per_year(self.kind):
            raise ValueError(
                f"{self.kind} index {self.index} outside 1..{self.per_year(self.kind)}"
            )

    @staticmethod
    def per_year(kind: PeriodKind) -> int:
        return 12 // _MONTHS[kind]

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        """The period of ``kind`` that ``day`` falls in."""
        return cls(day.year, kind, (day.month - 1) // _MONTHS[kind] + 1)

    @classmethod
    def parse(cls, key: str) -> Period:
        """The period a key names; ``ValueError`` for anything that is not a canonical key."""
        match = _KEY_PATTERN.match(key)
        if match is None:
            raise ValueError(f"not a period key: {key!r}")
        year = int(match["year"])
        if match["letter"] is None:
            return cls(year, PeriodKind.YEAR, 1)
        kind = _KIND_BY_LETTER[match["letter"]]
        period = cls(year, kind, int(match["index"]))
        if period.key != key:  # "2026-M3" or "2026-Q01": one spelling per period
            raise ValueError(f"not a canonical period key: {key!r} (use {period.key!r})")
        return period

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"{self.year:04d}"
        width = 2 if self.kind is PeriodKind.MONTH else 1
        return f"{self.year:04d}-{_KEY_LETTER[self.kind]}{self.index:0{width}d}"

    @property
    def label(self) -> str:
        """How users read it: 2026年3月, 2026年第一季度, 2026年上半年, 2026年度."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}年{self.index}月"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}年{_QUARTER_NAMES[self.index - 1]}"
        if self.kind is PeriodKind.HALF_YEAR:
            return f"{self.year}年{_HALF_NAMES[self.index - 1]}"
        return f"{self.year}年度"

    @property
    def first_day(self) -> date:
        return date(self.year, (self.index - 1) * _MONTHS[self.kind] + 1, 1)

    @property
    def last_day(self) -> date:
        return self._shifted(1).first_day - timedelta(days=1) if self._has_next() else date.max

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def next(self) -> Period:
        return self._shifted(1)

    def previous(self) -> Period:
        return self._shifted(-1)

    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def _has_next(self) -> bool:
        return not (self.year == MAX_YEAR and self.index == self.per_year(self.kind))

    def _shifted(self, steps: int) -> Period:
        ordinal = self.year * self.per_year(self.kind) + (self.index - 1) + steps
        year, index = divmod(ordinal, self.per_year(self.kind))
        return Period(year, self.kind, index + 1)

    def __str__(self) -> str:
        return self.key


def periods_containing(day: date) -> tuple[Period, ...]:
    """The month, quarter, half-year and year that ``day`` falls in (smallest first)."""
    return tuple(Period.containing(kind, day) for kind in PeriodKind)


def periods_between(kind: PeriodKind, first: date, last: date) -> list[Period]:
    """Every period of ``kind`` that overlaps [first, last], in order."""
    if last < first:
        return []
    current, end = Period.containing(kind, first), Period.containing(kind, last)
    found = [current]
    while current != end:
        current = current.next()
        found.append(current)
    return found
