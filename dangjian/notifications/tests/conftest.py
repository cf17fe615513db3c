from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dangjian.notifications.registry import _KINDS, register_kind

TEST_KIND = "tests.notice"
QUIET_KIND = "tests.quiet"


@pytest.fixture(autouse=True)
def test_kinds() -> Iterator[None]:
    """Two kinds only the tests emit: one mailed by default, one not."""
    saved = dict(_KINDS)
    register_kind(TEST_KIND, "测试通知", email_default=True)
    register_kind(QUIET_KIND, "测试通知（默认不发邮件）", email_default=False)
    yield
    _KINDS.clear()
    _KINDS.update(saved)


@pytest.fixture
def mailed_user(user: Any) -> Any:
    """``mailed_user("secretary1")``: the demo account with an e-mail address."""

    def get(username: str) -> Any:
        account = user(username)
        account.email = f"{username}@example.cn"
        account.save(update_fields=["email"])
        return account

    return get
