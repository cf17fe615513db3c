"""In Debian's chromium against the real server: the bell counts, the centre marks read."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.testkit.live import PASSWORD, LiveServer

pytestmark = pytest.mark.browser

EMIT = (
    "from django.utils import timezone; from dangjian.accounts.models import User; "
    "from dangjian.core.actors import SystemActor; "
    "from dangjian.notifications.services import notify; "
    "u = User.objects.get(username='secretary1'); "
    "[notify(u, 'members.transfer_in_received', f'browser:{i}', f'浏览器通知{i}', '请及时办理', "
    "'/members/transfers/', actor=SystemActor('job:browser-test'), now=timezone.now()) "
    "for i in range(3)]"
)


def _login(browser: Any, live: LiveServer, username: str) -> Any:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live.url}/")
    page.console_errors = errors
    return page


def test_bell_counts_and_the_centre_marks_read(browser, live) -> None:
    # Other browser tests share this server and may have notified secretary1 already.
    page = _login(browser, live, "secretary1")
    before = int(page.locator("#notification-bell-count").get_attribute("data-unread") or 0)
    live.manage("shell", "-c", EMIT)
    page.reload()
    count = page.locator("#notification-bell-count")
    assert count.inner_text() == str(before + 3) and count.is_visible()
    page.locator("#notification-bell").click()
    page.wait_for_url(f"{live.url}/notifications/")
    items = page.locator("#notification-list > li")
    assert items.count() >= 3
    first = items.first
    assert "浏览器通知2" in first.inner_text()  # newest first
    first.get_by_role("button", name="标为已读").click()  # htmx: no page load
    page.locator("#notification-list > li[data-read=yes]").wait_for()
    page.wait_for_function(
        f"document.getElementById('notification-bell-count').dataset.unread === '{before + 2}'"
    )
    assert count.inner_text() == str(before + 2)
    page.get_by_role("button", name="全部标为已读").click()
    page.get_by_text(f"已将 {before + 2} 条通知标为已读").wait_for()
    assert page.locator("#notification-list > li[data-read=no]").count() == 0
    assert not page.locator("#notification-bell-count").is_visible()
    # Following a notice goes to its object.
    page.get_by_role("button", name="浏览器通知2").click()
    page.wait_for_url(f"{live.url}/members/transfers/")
    assert page.console_errors == []  # nothing refused by the CSP
    page.close()
