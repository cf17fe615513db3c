"""预备期, 转正 and the lost-contact review date: pure rules at their boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from dangjian.members.rules import (
    full_on_error,
    lost_contact_review_from,
    lost_contact_review_months,
    probation_ends,
    probation_extension_errors,
    suspension_review_due,
)
from dangjian.members.services import MemberData, field_errors
from dangjian.members.tests.helpers import new_id

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("admitted", "extension", "earliest"),
    [
        (date(2025, 3, 10), 0, date(2026, 3, 10)),
        # 29 February: the year is complete on 28 February of a common year.
        (date(2024, 2, 29), 0, date(2025, 2, 28)),
        (date(2023, 2, 28), 0, date(2024, 2, 28)),
        (date(2023, 3, 1), 0, date(2024, 3, 1)),
        (date(2027, 2, 28), 0, date(2028, 2, 28)),
        # Counted from admission in one step: 18 months from 29 February.
        (date(2024, 2, 29), 6, date(2025, 8, 29)),
        (date(2024, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 6, 1), 12, date(2027, 6, 1)),
    ],
)
def test_probation_ends_on_the_anniversary_plus_extension(admitted, extension, earliest) -> None:
    assert probation_ends(admitted, extension_months=extension) == earliest


@pytest.mark.parametrize(
    ("admitted", "full_on", "extension", "refused"),
    [
        (date(2025, 3, 10), date(2025, 3, 10), 0, True),  # same day
        (date(2025, 3, 10), date(2026, 3, 9), 0, True),  # one day short
        (date(2025, 3, 10), date(2026, 3, 10), 0, False),  # a year to the day
        (date(2024, 2, 29), date(2025, 2, 27), 0, True),
        (date(2024, 2, 29), date(2025, 2, 28), 0, False),
        (date(2025, 6, 1), date(2026, 6, 1), 6, True),  # before the extended end
        (date(2025, 6, 1), date(2026, 11, 30), 6, True),
        (date(2025, 6, 1), date(2026, 12, 1), 6, False),
        (date(2025, 6, 1), date(2027, 5, 31), 12, True),
        (date(2025, 6, 1), date(2027, 6, 1), 12, False),
    ],
)
def test_full_on_waits_for_the_probation(admitted, full_on, extension, refused) -> None:
    message = full_on_error(admitted, full_on, extension_months=extension)
    assert (message is not None) is refused
    if message is not None and extension:
        assert f"延长{extension}个月" in message


def _extension(**overrides: object) -> dict[str, str]:
    values: dict[str, object] = {
        "months": 6,
        "decided_on": date(2026, 6, 1),
        "reason": "考察期间表现需进一步观察",
        "admitted_on": date(2025, 6, 1),
        "already_extended": False,
        "is_full": False,
        "today": TODAY,
    }
    values.update(overrides)
    return probation_extension_errors(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_extension_is_six_to_twelve_months(months, ok) -> None:
    errors = _extension(months=months)
    assert (not errors) is ok
    if not ok:
        assert "6至12个月" in errors["months"]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"already_extended": True}, "months", "只能延长一次"),
        ({"is_full": True}, "months", "正式党员"),
        ({"reason": "  "}, "reason", "原因"),
        ({"decided_on": date(2025, 5, 31)}, "decided_on", "不能早于入党日期"),
        ({"decided_on": date(2026, 11, 25)}, "decided_on", "不能晚于今天"),
        ({"admitted_on": None}, "decided_on", "没有入党日期"),
    ],
)
def test_extension_refusals_name_their_field(overrides, field, fragment) -> None:
    assert fragment in _extension(**overrides)[field]


def _member(**overrides: object) -> MemberData:
    values: dict[str, object] = {
        "name": "甲",
        "id_number": new_id(date(1990, 5, 17)),
        "status": "full",
        "admitted_on": date(2015, 6, 1),
        "full_on": date(2016, 6, 1),
    }
    values.update(overrides)
    return MemberData(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"full_on": date(2015, 6, 1)}, "full_on", "转正日期不能早于2016-06-01"),
        ({"full_on": date(2016, 5, 31)}, "full_on", "预备期为一年"),
        ({"admitted_on": None, "full_on": None}, "admitted_on", "须填写入党日期"),
        (
            {"status": "probationary", "admitted_on": None, "full_on": None},
            "admitted_on",
            "须填写入党日期",
        ),
        # The age check runs for every admission date: 17 at admission.
        (
            {"admitted_on": date(2008, 5, 16), "full_on": None, "status": "probationary"},
            "admitted_on",
            "未满18周岁",
        ),
    ],
)
def test_field_errors_for_standing_dates(overrides, field, fragment) -> None:
    assert fragment in field_errors(_member(**overrides), today=TODAY)[field]


def test_field_errors_accept_a_year_to_the_day_and_an_extended_end() -> None:
    assert field_errors(_member(full_on=date(2016, 6, 1)), today=TODAY) == {}
    extended = _member(full_on=date(2016, 12, 1))
    assert field_errors(extended, today=TODAY, extension_months=6) == {}
    assert "full_on" in field_errors(_member(), today=TODAY, extension_months=6)


def test_a_kept_id_number_needs_the_stored_birth_date() -> None:
    with pytest.raises(TypeError):
        field_errors(_member(keep=frozenset({"id_number"})), today=TODAY)


@pytest.mark.parametrize(
    ("lost_since", "review_from"),
    [
        (date(2026, 5, 2), date(2026, 11, 2)),
        (date(2026, 8, 28), date(2027, 2, 28)),
        (date(2026, 8, 29), date(2027, 2, 28)),
        (date(2026, 8, 30), date(2027, 2, 28)),
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2027, 8, 29), date(2028, 2, 29)),
        (date(2027, 8, 30), date(2028, 2, 29)),
        (date(2027, 8, 31), date(2028, 2, 29)),
    ],
)
def test_lost_contact_review_from_month_ends(lost_since, review_from) -> None:
    assert lost_contact_review_from(lost_since) == review_from
    assert suspension_review_due(lost_since, review_from)
    assert not suspension_review_due(lost_since, date.fromordinal(review_from.toordinal() - 1))


@pytest.mark.parametrize(("setting", "months"), [(None, 6), (1, 6), (5, 6), (6, 6), (9, 9)])
def test_six_months_is_the_floor(setting, months) -> None:
    assert lost_contact_review_months(setting) == months
    assert lost_contact_review_from(date(2026, 1, 15), setting or 0) == date(2026, 1 + months, 15)
