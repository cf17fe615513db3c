"""The shared pure input rules: plausible dates and names without invisible characters."""

from __future__ import annotations

from datetime import date

import pytest

from dangjian.core.rules import (
    EARLIEST_ENTERPRISE_DATE,
    PARTY_FOUNDED,
    date_range_error,
    invisible_character_error,
)

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (None, {}, None),
        (PARTY_FOUNDED, {}, None),
        (TODAY, {}, None),
        (date(1, 1, 1), {}, "入党日期不能早于1921年7月1日"),
        (date(1921, 6, 30), {}, "入党日期不能早于1921年7月1日"),
        (date(2026, 12, 3), {}, "入党日期不能晚于今天"),
        (date(9999, 12, 31), {}, "入党日期不能晚于今天"),
        (date(1905, 3, 1), {"earliest": EARLIEST_ENTERPRISE_DATE}, None),
        (
            date(1899, 12, 31),
            {"earliest": EARLIEST_ENTERPRISE_DATE},
            "入党日期不能早于1900年1月1日",
        ),
        (date(2027, 1, 1), {"days_ahead": 30}, None),
        (date(2027, 1, 2), {"days_ahead": 30}, "入党日期不能晚于2027年1月1日"),
    ],
)
def test_date_range_error(value, kwargs, expected) -> None:
    assert date_range_error(value, label="入党日期", today=TODAY, **kwargs) == expected


@pytest.mark.parametrize(
    "name",
    [
        "张\u202e三",  # right-to-left override
        "张\u200b三",  # zero-width space
        "张\u200d三",  # zero-width joiner
        "\ufeff张三",  # byte-order mark
        "张三\u0000",  # NUL
        "张\n三",
        "张\u2028三",  # line separator
        "张\u00ad三",  # soft hyphen
        "张\u2066三\u2069",  # isolates
        "\u3164\u3164",  # Hangul fillers: a name that looks blank
        "张\u034f三",  # combining grapheme joiner
        "张\ufe0f三",  # variation selector
        "张\u2800三",  # braille blank
        "张\ue000三",  # private use
        "张\U0010fffe",  # a noncharacter, unassigned
    ],
)
def test_invisible_characters_are_refused_by_name(name: str) -> None:
    assert (
        invisible_character_error(name, label="姓名")
        == "姓名含有不可见的控制字符，请删除后重新输入"
    )


@pytest.mark.parametrize(
    "name",
    [
        "张三",
        "欧阳·娜娜",
        "阿卜杜热西提·买买提",
        "𠮷野家",
        "Li Ming",
        "王 小明",
        "",
        "葛\U000e0100",  # an ideographic variation sequence for a rare glyph
    ],
)
def test_ordinary_names_pass(name: str) -> None:
    assert invisible_character_error(name, label="姓名") is None
