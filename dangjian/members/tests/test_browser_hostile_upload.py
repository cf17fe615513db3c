"""Against a real gunicorn: every hostile workbook is refused with a Chinese message naming the
file field, in bounded time, and the site keeps answering between and after them."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

import pytest

from dangjian.members.tests.test_workbook_extent import CORPUS
from dangjian.testkit.live import PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _healthy(live: LiveServer) -> bool:
    with urllib.request.urlopen(f"{live.url}/healthz", timeout=5) as response:  # noqa: S310
        return response.status == 200


def test_hostile_workbooks_are_refused_and_the_site_keeps_answering(
    browser: Any, live: LiveServer
) -> None:
    page = browser.new_page()
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_label("用户名").fill("clerk1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live.url}/")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for name, (build, fragment) in CORPUS.items():
        data = build()
        for dry_run in ("true", "false"):
            started = time.monotonic()
            response = page.request.post(
                f"{live.url}/api/members/import/",
                headers={"X-CSRFToken": token, "Referer": f"{live.url}/"},
                multipart={
                    "file": {"name": "党员.xlsx", "mimeType": "application/zip", "buffer": data},
                    "dry_run": dry_run,
                },
                timeout=60_000,
            )
            assert response.status == 400, (name, response.text()[:300])
            assert fragment in response.json()["file"][0], name
            assert time.monotonic() - started < 20, name
            assert _healthy(live), name
    page.close()
