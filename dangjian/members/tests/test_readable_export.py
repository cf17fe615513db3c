"""Exports people can read: Chinese file names (RFC 5987), names beside codes, 性别/年龄/党龄
counted to the export day, the exporter's full name; the import template keeps its layout."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import quote, unquote

import pytest
from python_calamine import CalamineWorkbook

from dangjian.core.actors import SystemActor
from dangjian.members import services
from dangjian.members.fields import READABLE_COLUMNS
from dangjian.members.models import Member
from dangjian.members.tests.helpers import data, new_id
from dangjian.members.workbook.columns import HEADERS
from dangjian.members.workbook.exporter import export_members
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

pytestmark = pytest.mark.django_db


def _sheet(content: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def _filename(response: Any) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''"), disposition
    encoded = disposition.removeprefix("attachment; filename*=UTF-8''")
    assert encoded == quote(unquote(encoded))  # percent-encoded, nothing raw
    return unquote(encoded)


@pytest.mark.parametrize(
    ("today", "age", "standing"),
    [
        (date(2026, 5, 16), "35", "9"),  # the day before the birthday and the 转正 anniversary
        (date(2026, 5, 17), "36", "10"),  # on both
    ],
)
def test_the_export_adds_names_gender_age_and_party_standing(org, user, today, age, standing):
    branch = org("CT01-ZB1")
    services.register_member(
        actor=SystemActor("tests"),
        org=branch,
        data=data(
            name="读表人",
            id_number=new_id(date(1990, 5, 17)),
            admitted_on=date(2015, 5, 17),
            full_on=date(2016, 5, 17),
        ),
    )
    secretary = user("secretary1")
    content = export_members(
        Member.objects.filter(name="读表人"), actor=secretary, reveal=False, today=today
    )
    rows = _sheet(content)
    assert rows[0][0].startswith(f"导出人：{secretary.full_name}（secretary1）")
    header, row = rows[1], rows[2]
    assert tuple(header[: len(HEADERS)]) == HEADERS  # the import layout, unmoved
    assert header[len(HEADERS) :] == [h for _, h, _ in READABLE_COLUMNS]
    values = dict(zip(header, row, strict=True))
    above = OrgNode.objects.get_ancestors(branch)
    enterprise = [a for a in above if a.kind == OrgKind.ENTERPRISE][-1]
    member = Member.objects.get(name="读表人")
    assert values["党支部编码"] == branch.code and values["所在支部"] == branch.name
    assert values["所属企业"] == enterprise.name
    assert values["性别"] == member.get_gender_display()
    assert values["年龄"] == age and values["党龄"] == standing


def test_a_probationary_member_has_no_party_standing(org, user) -> None:
    services.register_member(
        actor=SystemActor("tests"),
        org=org("CT01-ZB1"),
        data=data(name="预备者", status="probationary", admitted_on=date(2026, 1, 5), full_on=None),
    )
    rows = _sheet(
        export_members(
            Member.objects.filter(name="预备者"),
            actor=user("secretary1"),
            reveal=False,
            today=date(2026, 6, 1),
        )
    )
    assert dict(zip(rows[1], rows[2], strict=True))["党龄"] == ""


def test_downloads_have_chinese_file_names(client_for) -> None:
    client = client_for("secretary1")
    export = client.get("/members/export/")
    assert export.status_code == 200
    name = _filename(export)
    assert name.startswith("党员名册-") and name.endswith(".xlsx")
    template = client.get("/members/import/template/")
    assert template.status_code == 200 and _filename(template) == "党员信息导入模板.xlsx"
    # The template is what the importer reads: its header row is the layout, nothing added.
    header = CalamineWorkbook.from_filelike(io.BytesIO(template.content)).get_sheet_by_index(0)
    assert [str(h).rstrip("*") for h in header.to_python()[0]] == list(HEADERS)
