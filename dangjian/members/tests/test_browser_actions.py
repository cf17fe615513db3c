"""Actions, pickers, the tree and the import preview in chromium: the member menu in two states,
the move form's branch picker searching the scoped endpoint, the tree expanded, collapsed and
opened at a search hit, and the first rows previewed before an import is confirmed.

Screenshots go to ``DANGJIAN_SCREENSHOTS`` when it is set (a folder), for a person to look at."""

from __future__ import annotations

import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dangjian.members.rules import id_check_char
from dangjian.testkit.live import LiveServer, sign_in

pytestmark = pytest.mark.browser


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("DANGJIAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _id(i: int) -> str:
    body = f"330183{date(1960 + i % 25, 1 + i % 12, 1 + i % 27):%Y%m%d}{700 + i:03d}"
    return body + id_check_char(body)


def _members(live: LiveServer) -> dict[str, int]:
    """Two members of 交通集团第一支部 (no other browser test counts its members): one 正式 in
    service, one whose 党籍 is suspended."""
    full, suspended = _id(1), _id(2)
    script = (
        "import json; from datetime import date; "
        "from dangjian.core.actors import SystemActor; "
        "from dangjian.members import services; from dangjian.members.models import Member; "
        "from dangjian.orgs.models import OrgNode; "
        "branch = OrgNode.objects.get(code='JT01-ZB1'); found = dict()\n"
        f"for key, number, status in (('full', {full!r}, 'full'), "
        f"('suspended', {suspended!r}, 'suspended')):\n"
        "    data = services.MemberData(name='菜单' + key, id_number=number, status='full', "
        "admitted_on=date(2015, 6, 1), full_on=date(2016, 6, 1))\n"
        "    m = services.register_member(actor=SystemActor('tests'), org=branch, data=data)\n"
        "    Member.objects.filter(pk=m.pk).update(status=status, "
        "lost_contact_since=date(2023, 1, 1) if status == 'suspended' else None)\n"
        "    found[key] = m.pk\n"
        "print(json.dumps(found))"
    )
    return json.loads(live.manage("shell", "-c", script).strip().splitlines()[-1])


def _menu(page: Any) -> list[str]:
    page.get_by_role("button", name="办理事项").click()
    menu = page.locator(".dropdown-menu.show")
    menu.wait_for()
    return [text.strip() for text in menu.locator("a").all_inner_texts()]


def test_the_member_menu_fits_the_state_and_the_move_picker_searches(browser, live) -> None:
    ids = _members(live)
    page = sign_in(browser, live, "supervisor")
    page.goto(f"{live.url}/members/{ids['full']}/")
    offered = _menu(page)
    assert "登记去世" in offered and "平台内转移" in offered and "恢复党籍" not in offered
    _shot(page, "member-menu-full")
    page.goto(f"{live.url}/members/{ids['suspended']}/")
    offered = _menu(page)
    assert "恢复党籍" in offered and "登记出党" in offered
    assert "平台内转移" not in offered and "停止党籍" not in offered
    _shot(page, "member-menu-suspended")
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live.url}/members/")
    page.locator("#filter-org + .ts-wrapper .ts-control").click()
    page.locator('.ts-dropdown .option:not([data-value=""])').first.wait_for()
    _shot(page, "member-list-org-picker")
    page.goto(f"{live.url}/members/{ids['full']}/do/move/")
    page.locator(".ts-control").click()
    option = page.locator('.ts-dropdown .option:not([data-value=""])').first
    option.wait_for()
    assert "支部" in option.inner_text()  # branches only, from the scoped search
    _shot(page, "move-picker")
    assert refused == []  # tom-select and the pickers run under the site's CSP
    page.close()


def test_the_tree_expands_collapses_and_opens_at_a_search_hit(browser, live) -> None:
    page = sign_in(browser, live, "supervisor")
    page.goto(f"{live.url}/orgs/")
    tree = page.locator("#org-tree")
    root = tree.locator(":scope > li").first
    assert root.locator(".tree-mark").first.inner_text().endswith("名党员")
    root.get_by_role("button", name="全部展开").first.click()
    deep = page.get_by_role("link", name="第一支部第一党小组").first
    deep.wait_for()
    assert deep.is_visible()
    top = root.locator(":scope > .tree-toggle")
    top.click()  # collapse the root: everything below is hidden
    assert not deep.is_visible() and top.get_attribute("aria-expanded") == "false"
    top.click()
    assert deep.is_visible()
    page.get_by_placeholder("按名称或编码搜索").fill("燃气")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="在组织树中定位").first.click()
    hit = page.locator(".tree-hit")
    hit.wait_for()
    assert "燃气" in hit.locator(":scope > a").first.inner_text() and hit.is_visible()
    _shot(page, "tree-search-hit")
    page.close()


def _workbook(rows: int) -> bytes:
    import openpyxl

    from dangjian.members.workbook.columns import HEADERS, SHEET

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    for i in range(rows):
        sheet.append(
            [
                f"预览党员{i:02d}",
                _id(40 + i),
                "CT01-ZB1",
                "",
                "正式党员",
                "汉族",
                "",
                "大学本科",
                "工程部",
                "否",
                "2009-07-01",
                "2010-07-01",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_import_previews_its_first_rows_before_confirming(browser, live) -> None:
    page = sign_in(browser, live, "secretary1")
    page.goto(f"{live.url}/members/import/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "预览.xlsx",
                "buffer": _workbook(14),
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ],
    )
    page.get_by_role("button", name="上传并校验").click()
    preview = page.locator("#import-preview")
    page.wait_for_load_state("networkidle")
    _shot(page, "import-after-upload")
    preview.wait_for()
    assert preview.locator("tbody tr").count() == 10
    assert "预览党员00" in preview.inner_text() and "**********" in preview.inner_text()
    assert page.get_by_role("button", name="确认导入").is_visible()
    _shot(page, "import-preview")
    page.close()
