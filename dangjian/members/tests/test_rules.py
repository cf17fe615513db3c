from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.rules import add_months
from dangjian.members.rules import (
    id_check_char,
    id_facts,
    id_number_error,
    mask_id,
    party_standing_years,
    suspension_review_due,
)

TODAY = date(2026, 11, 24)


def test_published_sample_id_is_valid() -> None:
    # The sample number printed in GB 11643's own example.
    assert id_number_error("11010519491231002X", today=TODAY) is None
    facts = id_facts("11010519491231002x")
    assert facts.birth_date == date(1949, 12, 31) and facts.gender == "female"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1101051949123100", "应为18位"),
        ("11010519491231002Y", "最后一位是数字或X"),
        ("110105194902300021", "不是有效日期"),
        ("110105199912310020", "校验位不正确"),
        ("110105209912310020", "不合理"),
    ],
)
def test_bad_id_numbers_name_the_problem(value: str, fragment: str) -> None:
    message = id_number_error(value, today=TODAY)
    assert message is not None and fragment in message


ids = st.builds(
    lambda born, serial: f"330102{born:%Y%m%d}{serial:03d}",
    st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(ids)
def test_any_body_with_its_check_char_is_valid_and_any_other_is_not(body: str) -> None:
    good = body + id_check_char(body)
    assert id_number_error(good, today=TODAY) is None
    for wrong in "0123456789X":
        if wrong != good[-1]:
            assert id_number_error(body + wrong, today=TODAY) is not None


def test_masking_hides_birth_date_and_serial() -> None:
    assert mask_id("11010519491231002X") == "1101**********002X"


@pytest.mark.parametrize(
    ("full_on", "today", "years"),
    [
        (date(2020, 7, 1), date(2026, 6, 30), 5),
        (date(2020, 7, 1), date(2026, 7, 1), 6),
        (date(2020, 2, 29), date(2021, 2, 28), 0),
        (date(2020, 2, 29), date(2021, 3, 1), 1),
        (None, date(2026, 1, 1), None),
    ],
)
def test_party_standing_counts_from_the_full_membership_date(full_on, today, years) -> None:
    assert party_standing_years(full_on, today) == years


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 11, 24), 3, date(2027, 2, 24)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected) -> None:
    assert add_months(start, months) == expected


def test_lost_contact_review_is_due_at_six_months() -> None:
    assert not suspension_review_due(date(2026, 5, 25), TODAY)
    assert suspension_review_due(date(2026, 5, 24), TODAY)
    assert not suspension_review_due(None, TODAY)


def test_stored_values_follow_the_declared_column_order() -> None:
    from dangjian.members.services import STORED_COLUMNS, MemberData, stored_values

    data = MemberData(name="甲", id_number="11010519491231002X", status="full")
    assert tuple(stored_values(data, index="i")) == STORED_COLUMNS
