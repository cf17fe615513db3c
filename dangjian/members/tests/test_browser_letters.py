"""A transfer letter in chromium: issued long ago it shows as expired, is reissued, and the new
letter prints on A4 with its 存根 and 回执, the site's navigation left off the paper."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from dangjian.testkit.live import LiveServer, sign_in

pytestmark = pytest.mark.browser


def _login(browser: Any, live: LiveServer, username: str) -> Any:
    return sign_in(browser, live, username)


def test_an_expired_letter_is_reissued_and_printed(browser, live, tmp_path: Path) -> None:
    page = _login(browser, live, "supervisor")
    page.goto(f"{live.url}/members/?status=full")
    page.locator("table tbody tr td a").first.click()
    member_url = page.url
    page.get_by_role("button", name="办理事项").click()
    page.get_by_role("link", name="开具组织关系介绍信（转出）").click()
    page.get_by_label("介绍信编号").fill("城建转〔2026〕31号")
    page.get_by_label("转往党组织").fill("杭州市某国有企业党委")
    page.get_by_label("开具日期").fill((date.today() - timedelta(days=200)).isoformat())
    page.get_by_role("button", name="提交").click()
    letters = page.locator("#letter-list")
    assert "已过期" in letters.inner_text() and "登记回执" not in letters.inner_text()
    shots = Path(os.environ.get("LETTER_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "member.png"), full_page=True)

    letters.get_by_role("link", name="重新开具").click()
    page.get_by_label("新介绍信编号").fill("城建转〔2026〕32号")
    page.get_by_role("button", name="重新开具").click()
    assert "已重新开具介绍信城建转〔2026〕32号" in page.content()
    assert page.locator("#letter-state").inner_text() == "待接收"
    for part in ("存根", "介绍信", "回执"):
        assert page.get_by_role("region", name=part).is_visible()

    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    assert not page.locator(".shell-sidebar").is_visible()
    assert not page.get_by_role("button", name="打印").is_visible()
    assert page.locator(".letter-cut").count() == 2
    page.screenshot(path=str(shots / "letter.png"), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # the three parts on one sheet

    page.emulate_media(media="screen")
    page.goto(member_url)
    text = page.locator("#letter-list").inner_text()
    assert "已重新开具为城建转〔2026〕32号" in text and "待接收" in text
    page.close()
