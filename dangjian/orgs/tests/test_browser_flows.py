"""End to end in Debian's chromium against the real server: scope, lazy tree, forms, CSP, phone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dangjian.testkit.live import PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _ids(live: LiveServer, *codes: str) -> dict[str, int]:
    script = (
        "import json; from dangjian.orgs.models import OrgNode; "
        f"print(json.dumps(dict(OrgNode.objects.filter(code__in={list(codes)!r})"
        ".values_list('code', 'pk'))))"
    )
    return json.loads(live.manage("shell", "-c", script).strip().splitlines()[-1])


def _page(browser: Any, live: LiveServer, username: str, **context: Any) -> Any:
    page = browser.new_page(**context)
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live.url}/")
    return page


def test_secretary_sees_only_her_branch_and_gets_404_elsewhere(browser, live) -> None:
    ids = _ids(live, "JT01", "XC", "CT01-ZB1-XZ1")
    page = _page(browser, live, "secretary1")
    page.get_by_role("link", name="组织体系").click()
    tree = page.locator("#org-tree")
    assert tree.locator(":scope > li").count() == 1
    assert tree.get_by_text("中共X县城市建设开发有限公司第一支部委员会").is_visible()
    assert tree.get_by_text("X县国有资产管理服务中心").count() == 0
    page.get_by_role("button", name="展开中共X县城市建设开发有限公司第一支部委员会").click()
    page.get_by_role("link", name="第一支部第一党小组").wait_for()
    page.get_by_role("link", name="第一支部第一党小组").click()
    crumbs = page.locator("nav[aria-label=组织路径]")
    assert "中共X县城市建设开发有限公司第一支部委员会" in crumbs.inner_text()
    assert page.url.endswith(f"/orgs/{ids['CT01-ZB1-XZ1']}/")
    for code in ("JT01", "XC"):
        response = page.goto(f"{live.url}/orgs/{ids[code]}/")
        assert response is not None and response.status == 404
        assert "对象不存在或不在您的授权范围内" in page.content()
    page.close()


def test_supervisor_sees_the_county_with_real_counts_and_search(browser, live) -> None:
    page = _page(browser, live, "supervisor")
    assert page.locator("[data-kind=enterprise]").inner_text() == "20"
    page.locator("#age-chart svg").wait_for()  # ECharts drew from the embedded JSON
    page.get_by_role("link", name="组织体系").click()
    assert page.locator("#org-tree").get_by_text("X县国有资产管理服务中心").is_visible()
    page.get_by_placeholder("按名称或编码搜索").fill("燃气")
    page.get_by_role("button", name="搜索").click()
    assert page.get_by_role("link", name="X县燃气有限公司", exact=True).is_visible()
    page.close()


def test_supervisor_creates_a_branch_and_a_duplicate_code_is_refused(browser, live) -> None:
    ids = _ids(live, "CT05")
    page = _page(browser, live, "supervisor")
    page.goto(f"{live.url}/orgs/{ids['CT05']}/")
    page.get_by_role("link", name="新建党支部").click()
    page.get_by_label("编码").fill("CT05-ZB9")
    page.get_by_label("名称").fill("中共市政园林工程第九支部委员会")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_role("heading", name="中共市政园林工程第九支部委员会").is_visible()
    page.goto(f"{live.url}/orgs/{ids['CT05']}/add/?kind=branch")
    page.get_by_label("编码").fill("CT05-ZB9")
    page.get_by_label("名称").fill("重复编码的支部")
    page.get_by_role("button", name="保存").click()
    assert "编码：编码“CT05-ZB9”已被其他组织使用" in page.content()
    assert _ids(live, "CT05-ZB9")  # still exactly one, the first
    page.close()


def test_pages_obey_the_csp_without_errors(browser, live) -> None:
    page = _page(browser, live, "supervisor")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    for path in ("/", "/orgs/", "/members/", "/members/dual-registration/", "/governance/unity/"):
        response = page.goto(f"{live.url}{path}")
        assert response is not None and response.status == 200, path
        assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.get_by_role("link", name="组织体系").click()
    page.locator("#org-tree button.tree-toggle").first.click()
    page.wait_for_timeout(300)
    assert problems == []
    page.close()


def test_phone_layout_collapses_the_menu(browser, live) -> None:
    page = _page(browser, live, "supervisor", viewport={"width": 375, "height": 740})
    menu = page.get_by_role("link", name="组织体系")
    assert not menu.is_visible()
    page.get_by_role("button", name="展开菜单").click()
    menu.wait_for(state="visible")
    page.close()
