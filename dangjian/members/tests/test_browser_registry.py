"""The member registry end to end in chromium: import with errors then fixed, committee, transfer,
and the county lists the supervisor reads."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import openpyxl
import pytest

from dangjian.members.rules import id_check_char
from dangjian.testkit.live import LiveServer, sign_in

pytestmark = pytest.mark.browser


def _login(browser: Any, live: LiveServer, username: str) -> Any:
    return sign_in(browser, live, username)


def _id(i: int) -> str:
    body = f"330183{date(1965 + i % 25, 1 + i % 12, 1 + i % 27):%Y%m%d}{600 + i:03d}"
    return body + id_check_char(body)


def _filled(template: bytes, *, broken: bool) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["党员信息"]
    for i in range(30):
        id_number = _id(i)
        if broken and i == 4:
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
        full_on = "2010-07-01" if not (broken and i == 17) else "2008-01-01"
        sheet.append(
            [
                f"导入党员{i:02d}",
                id_number,
                "CT01-ZB1",
                "",
                "正式党员",
                "汉族",
                "",
                "大学本科",
                "工程部",
                "否",
                "2009-07-01",
                full_on,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(page: Any, live: LiveServer, content: bytes) -> None:
    page.goto(f"{live.url}/members/import/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "本支部党员.xlsx",
                "buffer": content,
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ],
    )
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_load_state("networkidle")


def test_secretary_imports_sets_up_committee_and_records_a_transfer(browser, live) -> None:
    page = _login(browser, live, "secretary1")
    page.get_by_role("link", name="党员管理").click()
    page.get_by_role("link", name="批量导入").click()
    template = page.request.get(f"{live.url}/members/import/template/").body()
    _upload(page, live, _filled(template, broken=True))
    table = page.locator("table").inner_text()
    assert "发现 2 处错误" in page.content()
    assert "6\t身份证号码" in table and "19\t转正日期" in table
    _upload(page, live, _filled(template, broken=False))
    page.get_by_role("button", name="确认导入").click()
    assert "导入完成：新增 30 人" in page.content()

    page.goto(f"{live.url}/orgs/")
    page.get_by_role("link", name="中共X县城市建设开发有限公司第一支部委员会").click()
    # The demo branch has a committee in its current term; the secretary holds the next election.
    assert "本届选举日期 2024-01-20" in page.content()
    page.get_by_role("link", name="登记换届选举").click()
    page.get_by_label("选举日期").fill(date.today().replace(day=1).isoformat())
    page.get_by_role("button", name="保存").click()
    for post, person in (
        ("书记", "导入党员00"),
        ("组织委员", "导入党员01"),
        ("宣传委员", "导入党员02"),
        ("纪检委员", "导入党员03"),
    ):
        page.get_by_role("link", name="登记委员（补选）").click()
        page.locator("select[name=post]").select_option(label=post)
        page.locator("select[name=member]").select_option(label=person)
        page.get_by_label("上级党组织批准或备案文号").fill("上级组〔2026〕1号")
        page.get_by_label("批准或备案日期").fill(date.today().replace(day=1).isoformat())
        page.get_by_role("button", name="保存").click()
    assert "组织设置检查" not in page.content()
    assert "书记：" in page.content()

    # The demo's members, member1's own record and the 30 imported: the button and the list
    # it opens count the same roster.
    roster = page.get_by_role("link", name=re.compile(r"^党员名册（\d+人）$"))
    shown = re.search(r"（(\d+)人）", roster.inner_text())
    assert shown is not None and int(shown.group(1)) >= 30
    roster.click()
    assert "范围：" in page.content()
    assert page.locator("#member-total").inner_text() == f"共 {shown.group(1)} 人"
    # A full ID number typed into the search box finds the member but never enters the URL.
    page.get_by_label("姓名或完整身份证号码").fill(_id(5))
    page.get_by_label("姓名或完整身份证号码").press("Enter")
    page.wait_for_url("**idq=**")
    assert _id(5) not in page.url and "org=" in page.url
    assert page.locator("#member-table tbody tr").all_inner_texts()[0].startswith("导入党员05")
    assert page.locator("#member-table tbody tr").count() == 1
    assert "idq=" in (page.locator("#export-link").get_attribute("href") or "")
    page.reload()
    assert "按身份证号码查询" in page.content() and _id(5) not in page.content()
    page.get_by_role("link", name="导入党员05").click()
    page.get_by_role("button", name="办理事项").click()
    page.get_by_role("link", name="开具组织关系介绍信（转出）").click()
    page.get_by_label("介绍信编号").fill("X组转〔2026〕21号")
    page.get_by_label("转往党组织").fill("杭州市某国有企业党委")
    page.get_by_role("button", name="提交").click()
    assert "开具介绍信X组转〔2026〕21号" in page.content()
    page.close()


def test_supervisor_reads_dual_registration_and_unity_lists(browser, live) -> None:
    page = _login(browser, live, "supervisor")
    page.goto(f"{live.url}/members/dual-registration/")
    assert "X县自来水有限公司" in page.content() and "报到率" in page.content()
    page.get_by_role("link", name="班子建设").click()
    rows = page.locator("tbody tr").all_inner_texts()
    names = " ".join(rows)
    assert "X县公共停车管理有限公司" in names and "X县客运站有限公司" in names
    assert "X县水利水电开发有限公司" not in names  # its reason is on record
    page.close()
