"""Pure rules: what an e-mail may carry, the retry backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.notifications import rules

NOW = datetime(2028, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证 11010519491231002X 已登记", "身份证 [已隐去] 已登记"),
        ("旧证 110105491231002", "旧证 [已隐去]"),
        ("手机13812345678", "手机[已隐去]"),
        ("介绍信编号 2026-001，共 30 名", "介绍信编号 2026-001，共 30 名"),
        ("编号ABC110105194912310021", "编号ABC110105194912310021"),  # inside a longer code
        ("12345678901234567890", "12345678901234567890"),  # 20 digits: not an ID
    ],
)
def test_identifiers_are_redacted_and_nothing_else(text: str, expected: str) -> None:
    assert rules.redact_identifiers(text) == expected


def test_backoff_doubles_up_to_the_cap_and_stops_after_the_last_attempt() -> None:
    delays = [rules.retry_delay(n, base_seconds=60, cap_seconds=600) for n in range(1, 7)]
    assert [d.total_seconds() for d in delays] == [60, 120, 240, 480, 600, 600]
    assert rules.next_attempt(NOW, 2, max_attempts=3, base_seconds=60, cap_seconds=600) == (
        NOW + timedelta(seconds=120)
    )
    assert rules.next_attempt(NOW, 3, max_attempts=3, base_seconds=60, cap_seconds=600) is None
    with pytest.raises(ValueError):
        rules.retry_delay(0, base_seconds=60, cap_seconds=600)


@given(st.integers(1, 10_000), st.integers(1, 3600), st.integers(1, 86_400))
def test_backoff_never_shrinks_and_never_passes_the_cap(attempts: int, base: int, cap: int) -> None:
    delay = rules.retry_delay(attempts, base_seconds=base, cap_seconds=cap)
    later = rules.retry_delay(attempts + 1, base_seconds=base, cap_seconds=cap)
    assert timedelta(0) < delay <= later <= timedelta(seconds=max(cap, 0))


def test_email_text_links_to_the_platform_and_subject_is_one_line() -> None:
    text = rules.email_text(
        title="导入完成", body="共 3 名", url=rules.absolute_link("https://dj.example.cn/", "/x/1/")
    )
    assert "查看详情：https://dj.example.cn/x/1/" in text and "共 3 名" in text
    assert (
        rules.email_subject("第一行\n第二行 13812345678")
        == "【国企党建监管平台】第一行 第二行 [已隐去]"
    )
    assert rules.absolute_link("https://dj.example.cn", "") == ""
