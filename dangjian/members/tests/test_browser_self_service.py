"""Done-when of issue 11 item 10 in chromium: member1 reports 双报到 from their own page and the
branch's clerk confirms it on the 双报到 page."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from dangjian.testkit.live import LiveServer, sign_in

pytestmark = pytest.mark.browser


def test_member1_reports_and_clerk1_confirms(browser, live: LiveServer, tmp_path: Path) -> None:
    shots = Path(os.environ.get("SELF_SCREENSHOTS", tmp_path))
    page = sign_in(browser, live, "member1")
    page.get_by_role("link", name="我的党员信息").click()
    page.get_by_label("社区名称").fill("城东街道幸福社区")
    page.get_by_label("报到日期").fill((date.today() - timedelta(days=5)).isoformat())
    page.get_by_role("button", name="报告社区报到").click()
    box = page.locator("#dual-registration")
    assert "待确认" in box.inner_text() and "等待党支部确认" in page.content()
    page.screenshot(path=str(shots / "self-reported.png"), full_page=True)
    own_url = page.url
    page.close()

    clerk = sign_in(browser, live, "clerk1")
    clerk.goto(f"{live.url}/members/dual-registration/")
    pending = clerk.locator("#pending-reports")
    assert "城东街道幸福社区" in pending.inner_text()
    clerk.screenshot(path=str(shots / "dual-pending.png"), full_page=True)
    pending.get_by_role("link", name="确认").click()
    clerk.get_by_role("button", name="确认报到").click()
    assert "到城东街道幸福社区报到" in clerk.content()
    assert clerk.locator("#pending-reports").count() == 0
    clerk.close()

    again = sign_in(browser, live, "member1")
    again.goto(own_url)
    text = again.locator("#dual-registration").inner_text()
    assert "已确认" in text and "城东街道幸福社区" in text
    again.screenshot(path=str(shots / "self-confirmed.png"), full_page=True)
    again.close()
