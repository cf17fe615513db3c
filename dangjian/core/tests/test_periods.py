"""Periods: keys, containment, neighbours and ranges (table tests and properties)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.periods import (
    Period,
    PeriodKind,
    periods_between,
    periods_containing,
)

M, Q, H, Y = PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF_YEAR, PeriodKind.YEAR


@pytest.mark.parametrize(
    ("kind", "day", "key", "first", "last", "label"),
    [
        (M, date(2026, 3, 15), "2026-M03", date(2026, 3, 1), date(2026, 3, 31), "2026年3月"),
        (M, date(2028, 2, 29), "2028-M02", date(2028, 2, 1), date(2028, 2, 29), "2028年2月"),
        (M, date(2027, 2, 1), "2027-M02", date(2027, 2, 1), date(2027, 2, 28), "2027年2月"),
        (M, date(2026, 12, 31), "2026-M12", date(2026, 12, 1), date(2026, 12, 31), "2026年12月"),
        (Q, date(2026, 1, 1), "2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度"),
        (Q, date(2026, 6, 30), "2026-Q2", date(2026, 4, 1), date(2026, 6, 30), "2026年第二季度"),
        (Q, date(2026, 7, 1), "2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "2026年第三季度"),
        (Q, date(2026, 12, 31), "2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度"),
        (H, date(2026, 6, 30), "2026-H1", date(2026, 1, 1), date(2026, 6, 30), "2026年上半年"),
        (H, date(2026, 7, 1), "2026-H2", date(2026, 7, 1), date(2026, 12, 31), "2026年下半年"),
        (Y, date(2028, 3, 1), "2028", date(2028, 1, 1), date(2028, 12, 31), "2028年度"),
    ],
)
def test_period_containing_a_day(kind, day, key, first, last, label) -> None:
    period = Period.containing(kind, day)
    assert (period.key, period.first_day, period.last_day, period.label) == (
        key,
        first,
        last,
        label,
    )
    assert Period.parse(key) == period
    assert period.contains(day)
    assert not period.contains(first - timedelta(days=1))
    assert not period.contains(last + timedelta(days=1))


@pytest.mark.parametrize(
    ("key", "next_key", "previous_key"),
    [
        ("2026-M12", "2027-M01", "2026-M11"),
        ("2026-M01", "2026-M02", "2025-M12"),
        ("2026-Q4", "2027-Q1", "2026-Q3"),
        ("2026-Q1", "2026-Q2", "2025-Q4"),
        ("2026-H2", "2027-H1", "2026-H1"),
        ("2026", "2027", "2025"),
    ],
)
def test_next_and_previous(key: str, next_key: str, previous_key: str) -> None:
    period = Period.parse(key)
    assert period.next().key == next_key
    assert period.previous().key == previous_key


@pytest.mark.parametrize(
    "key",
    [
        "2026-M3",
        "2026-M13",
        "2026-M00",
        "2026-Q5",
        "2026-Q01",
        "2026-H3",
        "26",
        "2026-Y1",
        "",
        " 2026",
    ],
)
def test_non_canonical_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(key)


def test_periods_containing_and_between() -> None:
    assert [p.key for p in periods_containing(date(2026, 8, 9))] == [
        "2026-M08",
        "2026-Q3",
        "2026-H2",
        "2026",
    ]
    assert [p.key for p in periods_between(Q, date(2025, 11, 30), date(2026, 4, 1))] == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
    ]
    assert periods_between(M, date(2026, 2, 1), date(2026, 1, 31)) == []


days = st.dates(min_value=date(1921, 7, 1), max_value=date(2200, 12, 31))
kinds = st.sampled_from(list(PeriodKind))


@given(kind=kinds, day=days)
def test_every_day_lies_in_exactly_its_period(kind: PeriodKind, day: date) -> None:
    period = Period.containing(kind, day)
    assert period.first_day <= day <= period.last_day
    assert Period.parse(period.key) == period
    assert period.next().first_day == period.last_day + timedelta(days=1)
    assert period.previous().last_day == period.first_day - timedelta(days=1)
    assert period.next().previous() == period


@given(day=days)
def test_larger_periods_contain_the_smaller(day: date) -> None:
    month, quarter, half, year = periods_containing(day)
    for small, large in ((month, quarter), (quarter, half), (half, year)):
        assert large.first_day <= small.first_day and small.last_day <= large.last_day


@given(kind=kinds, first=days, length=st.integers(min_value=0, max_value=800))
def test_ranges_tile_without_gaps(kind: PeriodKind, first: date, length: int) -> None:
    last = first + timedelta(days=length)
    found = periods_between(kind, first, last)
    assert found[0].contains(first) and found[-1].contains(last)
    for before, after in itertools.pairwise(found):
        assert after == before.next()


def test_years_outside_four_digits_are_refused() -> None:
    with pytest.raises(ValueError):
        Period(999, Y, 1)
    assert Period(9999, M, 12).last_day == date(9999, 12, 31)
