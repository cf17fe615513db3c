"""The shell in a real browser (ADR 0028): every role's home and main pages at 1366 px and 390 px
have no sideways scrolling, no console errors and no serious or critical axe-core violation; the
menu follows the roles; an observer's pages offer no write action."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pytest
from django.urls import Resolver404, resolve, reverse

from dangjian.core.generic import ConfirmActionView, ServiceFormView
from dangjian.testkit.health import assert_healthy, watch_console
from dangjian.testkit.live import PASSWORD, LiveServer

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)
# Each demo role's main pages (url names); the home page comes first for everyone.
PAGES: dict[str, list[str]] = {
    "supervisor": ["home", "orgs:tree", "members:list", "members:transfers", "governance:unity"],
    "secretary1": ["home", "orgs:tree", "members:list", "members:dual_registration"],
    "clerk1": ["home", "members:list", "members:transfers", "members:suspension_review"],
    "executive1": ["home", "orgs:tree"],
    "member1": ["home", "accounts:profile", "notifications:centre"],
    "observer1": ["home", "orgs:tree", "members:list"],
    "sysadmin": ["home", "accounts:user_list", "scheduler:list"],
    "secadmin": ["home", "accounts:security_policy"],
    "auditor": ["home", "audit:list"],
}
ADMIN_ROLES = {"sysadmin", "secadmin", "auditor"}
TOTP_SCRIPT = """
from django_otp.plugins.otp_totp.models import TOTPDevice
from dangjian.accounts.models import User
from dangjian.testkit.clients import current_token
user = User.objects.get(username={username!r})
device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
device = device or TOTPDevice.objects.create(user=user, name="浏览器测试", confirmed=True)
print(current_token(device))
"""


def _sign_in(browser: Any, live: LiveServer, username: str) -> Any:
    if username in ADMIN_ROLES:  # enrolled beforehand: the enrolment page is tested elsewhere
        live.manage("shell", "-c", TOTP_SCRIPT.format(username=username))
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
    watch_console(page)
    page.goto(f"{live.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    if username in ADMIN_ROLES:
        page.wait_for_url(re.compile(r".*/accounts/otp/verify/.*"))
        # The last line: Django's shell may first say what it imported.
        output = live.manage("shell", "-c", TOTP_SCRIPT.format(username=username))
        token = output.strip().splitlines()[-1]
        page.locator("input[name=token]").fill(token)
        page.get_by_role("button", name="验证").click()
        page.wait_for_url(lambda url: "/accounts/otp/" not in url)
        page.goto(f"{live.url}/")
    page.wait_for_url(f"{live.url}/")
    return page


@pytest.mark.parametrize("username", sorted(PAGES))
def test_every_role_s_pages_are_healthy_on_a_desk_and_on_a_phone(
    browser: Any, live: LiveServer, username: str
) -> None:
    page = _sign_in(browser, live, username)
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name in PAGES[username]:
                page.mouse.move(0, 0)  # no hover left over from the last page's click
                page.goto(f"{live.url}{reverse(name)}")
                page.wait_for_load_state("networkidle")
                assert_healthy(page, where=f"{username} {name} at {width}px")
                # The menu is there: a link per entry, the current one marked.
                assert page.locator("nav[aria-label=功能菜单] a").count() >= 1
    finally:
        page.close()


def test_the_menu_follows_the_roles_and_collapses_on_a_phone(
    browser: Any, live: LiveServer
) -> None:
    page = _sign_in(browser, live, "observer1")
    try:
        menu = page.locator("nav[aria-label=功能菜单]")
        labels = menu.locator("a").all_inner_texts()
        assert "组织体系" in labels and "账号管理" not in labels and "接口文档" not in labels
        assert menu.locator("[aria-current=page]").inner_text() == "首页"
        page.set_viewport_size({"width": 390, "height": 900})
        assert not menu.is_visible()
        page.get_by_role("button", name="展开菜单").click()
        menu.get_by_role("link", name="组织体系").wait_for(state="visible")
    finally:
        page.close()
    page = _sign_in(browser, live, "supervisor")
    try:
        page.get_by_role("link", name="接口文档").click()
        page.wait_for_url(f"{live.url}/api/docs/")
        page.locator(".swagger-ui").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert not watch_console(page), watch_console(page)  # no CSP refusal on the docs page
        page.get_by_role("link", name=re.compile("返回国企党建监管平台")).click()
        page.wait_for_url(f"{live.url}/")
    finally:
        page.close()


# Posting targets an observer's pages may have: signing out and the member search (a POST so
# that an ID number stays out of addresses and logs).
READ_POSTS = {"accounts:logout", "members:list"}
WRITE_WORDS = re.compile(
    r"(create|new|add|edit|move|dissolve|delete|remove|import|action|revoke|confirm|retry|"
    r"approval|election|leader|extend|seat|exception)"
)


def _write_target(url: str) -> str:
    """The url name when ``url`` leads to a write action, else ''."""
    parsed = urlparse(url)
    try:
        match = resolve(parsed.path)
    except Resolver404:
        return ""
    view_class = getattr(match.func, "view_class", None)
    writes = isinstance(view_class, type) and issubclass(
        view_class, (ServiceFormView, ConfirmActionView)
    )
    name = match.view_name
    return name if writes or WRITE_WORDS.search(name.split(":")[-1]) else ""


def _write_actions(page: Any) -> list[str]:
    found = []
    for href in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)"):
        if (name := _write_target(href)) and name not in READ_POSTS:
            found.append(f"link {href} ({name})")
    posts = page.eval_on_selector_all(
        "form[method=post i], [hx-post]",
        "els => els.map(e => e.getAttribute('hx-post') || e.action || location.href)",
    )
    for target in posts:
        name = resolve(urlparse(target).path).view_name
        if name not in READ_POSTS:
            found.append(f"form posting to {target} ({name})")
    return found


def _healthy_at_both_widths(page: Any, where: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_healthy(page, where=f"{where} at {width}px")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def test_an_observer_s_pages_offer_no_write_action(browser: Any, live: LiveServer) -> None:
    page = _sign_in(browser, live, "observer1")
    try:
        seen = {}
        for name in ("home", "orgs:tree", "members:list"):
            page.goto(f"{live.url}{reverse(name)}")
            seen[name] = _write_actions(page)
        page.goto(f"{live.url}{reverse('orgs:tree')}")
        org_link = page.locator("main a[href*='/orgs/']").filter(has_not_text="组织体系").first
        org_link.click()
        page.wait_for_load_state()
        assert resolve(urlparse(page.url).path).view_name == "orgs:detail"
        seen["orgs:detail"] = _write_actions(page)
        _healthy_at_both_widths(page, "observer1 orgs:detail")
        page.goto(f"{live.url}{reverse('members:list')}")
        page.locator("#member-table a[href*='/members/']").first.click()
        page.wait_for_load_state()
        assert resolve(urlparse(page.url).path).view_name == "members:detail"
        seen["members:detail"] = _write_actions(page)
        _healthy_at_both_widths(page, "observer1 members:detail")
        assert not any(seen.values()), seen
    finally:
        page.close()


def test_a_manager_s_pages_do_offer_write_actions(browser: Any, live: LiveServer) -> None:
    """The observer check can fail: the same walk finds the county centre's actions."""
    page = _sign_in(browser, live, "supervisor")
    try:
        page.goto(f"{live.url}{reverse('members:list')}")
        page.locator("#member-table a[href*='/members/']").first.click()
        page.wait_for_load_state()
        assert _write_actions(page)
    finally:
        page.close()


def test_a_first_visit_is_small_and_compressed(browser: Any, live: LiveServer) -> None:
    """The home page's first visit: every static file compressed and cache-busted for a year or
    more; the chart library only where charts are. Prints the bytes transferred."""
    page = _sign_in(browser, live, "secretary1")
    try:
        context = browser.new_context()
        fresh = context.new_page()
        responses: list[Any] = []
        fresh.on("response", lambda response: responses.append(response))
        for cookie in page.context.cookies():
            context.add_cookies([cookie])
        fresh.goto(f"{live.url}/")
        fresh.wait_for_load_state("networkidle")
        statics = [r for r in responses if "/static/" in r.url]
        assert statics
        total, sizes = 0, []
        for response in statics:
            headers = response.all_headers()
            assert headers.get("content-encoding") in ("br", "gzip"), response.url
            assert re.search(r"\.[0-9a-f]{12}\.", response.url), response.url
            assert "max-age=315360000" in headers.get("cache-control", ""), response.url
            size = int(headers.get("content-length", "0"))
            sizes.append(f"{urlparse(response.url).path.rsplit('/', 1)[-1]} {size}")
            total += size
        html = next(r for r in responses if r.url == f"{live.url}/")
        total += len(html.body())
        print(f"\nfirst visit of the home page: {total} bytes transferred (compressed):", sizes)
        fresh.goto(f"{live.url}{reverse('members:list')}")
        assert "echarts" not in fresh.content()
        context.close()
    finally:
        page.close()


def test_printing_a_page_leaves_out_the_frame_and_its_controls(
    browser: Any, live: LiveServer
) -> None:
    page = _sign_in(browser, live, "supervisor")
    try:
        page.goto(f"{live.url}{reverse('members:list')}")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.emulate_media(media="print")
        for frame in (".shell-sidebar", ".shell-topbar", ".shell-page-actions", "form.filter-form"):
            assert not page.locator(frame).is_visible(), frame
        assert page.locator("h1.page-title").is_visible()
        assert page.locator("#member-table table thead").is_visible()
        assert page.get_by_role("button").filter(visible=True).count() == 0
        # Each row prints on one table line: the name cell is not stacked like a phone's card.
        cell = page.locator("#member-table tbody tr").first.locator("td").first
        assert cell.evaluate("td => getComputedStyle(td).display") == "table-cell"
    finally:
        page.close()
