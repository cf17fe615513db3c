"""Scoped member export in the import layout: masked IDs unless revealed, formula-safe cells,
exporting user (by full name) and time on the first line, one audit entry.

After the layout's columns come the readable ones the field declaration names (``readable``):
the branch's and group's names beside their codes, the enterprise, 性别, 年龄 and 党龄 counted
to the export day the caller passes in. The import matches columns by header and ignores these."""

from __future__ import annotations

import io
import operator
from collections.abc import Callable
from datetime import date
from typing import Any

import xlsxwriter

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, actor_name, require_actor
from dangjian.core.exports import spreadsheet_safe
from dangjian.members.fields import (
    EXPORT_FIELDS,
    READABLE_COLUMNS,
    WORKBOOK_FIELDS,
    Kind,
    MemberField,
    Shown,
)
from dangjian.members.rules import completed_years, party_standing_years
from dangjian.members.services import decrypt_id, decrypt_phone
from dangjian.members.workbook.columns import HEADERS, SHEET
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

MAX_ROWS = 100_000
Cell = Callable[[Any], Any]  # a Member loaded with EXPORT_FIELDS
DECRYPT: dict[Kind, Cell] = {Kind.ID_NUMBER: decrypt_id, Kind.PHONE: decrypt_phone}


def _cell(spec: MemberField, reveal: bool) -> Cell:
    """How one declared field is written to its column (the import reads it back)."""
    key = spec.key
    if spec.encrypted:
        return DECRYPT[spec.kind] if reveal else operator.attrgetter(spec.masked)
    if spec.kind is Kind.BRANCH:
        return lambda member: member.org.code
    if spec.kind is Kind.PARTY_GROUP:
        return lambda member: member.party_group.code if member.party_group_id else ""
    if spec.kind is Kind.CHOICE:
        labels = dict(spec.choices)
        return lambda member: labels.get(getattr(member, key), getattr(member, key))
    if spec.kind is Kind.FLAG:
        return lambda member: "是" if getattr(member, key) else "否"
    if spec.kind is Kind.DATE:
        return lambda member: day.isoformat() if (day := getattr(member, key)) else ""
    return operator.attrgetter(key)


def _readable(spec: MemberField, shown: Shown, today: date, enterprises: Enterprises) -> Cell:
    """How one readable column is written (see the module docstring)."""
    if shown is Shown.NAME:
        related = "org" if spec.kind is Kind.BRANCH else spec.key.removesuffix("_id")
        return lambda member: getattr(getattr(member, related), "name", "") or ""
    if shown is Shown.ENTERPRISE:
        return lambda member: enterprises.get(member.org.path, "")
    if shown is Shown.LABEL:
        labels = dict(spec.choices)
        return lambda member: labels.get(getattr(member, spec.key), "")
    if spec.key == "full_on":  # 党龄 counts from 转正 (党章 第七条)
        return lambda member: _years(party_standing_years(member.full_on, today))
    return lambda member: _years(
        completed_years(day, today) if (day := getattr(member, spec.key)) else None
    )


def _years(value: int | None) -> str:
    return "" if value is None else str(value)


class Enterprises:
    """The nearest 企业 above a branch, by the tree's path prefixes: every enterprise's name is
    read once (one query, however many rows), each branch looked up once."""

    def __init__(self) -> None:
        self.names = dict(
            OrgNode.objects.filter(kind=OrgKind.ENTERPRISE).values_list("path", "name")
        )
        self.found: dict[str, str] = {}

    def get(self, path: str, default: str = "") -> str:
        if path not in self.found:
            step = OrgNode.steplen
            prefixes = (path[:end] for end in range(len(path), 0, -step))
            self.found[path] = next((self.names[p] for p in prefixes if p in self.names), "")
        return self.found[path] or default


def export_members(members: Any, *, actor: Actor, reveal: bool, today: date | None = None) -> bytes:
    require_actor(actor)
    today = today or clock.today()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet(SHEET)
    bold = book.add_format({"bold": True})
    stamp = clock.local_now().strftime("%Y-%m-%d %H:%M:%S")
    full_name = getattr(actor, "full_name", "") or ""
    login = actor_name(actor) or "系统"
    who = f"{full_name}（{login}）" if full_name else login
    sheet.write_string(
        0,
        0,
        spreadsheet_safe(
            f"导出人：{who}  导出时间：{stamp}  身份证号码{'为完整号码' if reveal else '已脱敏'}"
        ),
    )
    for col, header in enumerate((*HEADERS, *(h for _, h, _ in READABLE_COLUMNS))):
        sheet.write_string(1, col, spreadsheet_safe(header), bold)
    # Callers may hand over a list queryset with .only(); every column written here is loaded
    # in the one query, or each row would fetch its deferred fields separately.
    queryset = (
        members.defer(None)
        .select_related("org", "party_group")
        .only(*EXPORT_FIELDS)  # what the declared columns read
        .order_by("org__path", "name", "id")
    )
    enterprises = Enterprises()
    cells = [_cell(spec, reveal) for spec in WORKBOOK_FIELDS] + [
        _readable(spec, shown, today, enterprises) for spec, _, shown in READABLE_COLUMNS
    ]
    count = 0
    for count, member in enumerate(queryset[:MAX_ROWS].iterator(chunk_size=2000), start=1):
        values = [cell(member) for cell in cells]
        for col, value in enumerate(values):
            sheet.write_string(count + 1, col, spreadsheet_safe(str(value)))
    if count >= MAX_ROWS:
        sheet.write_string(
            count + 2, 0, f"超过{MAX_ROWS}行上限，其余未导出；请缩小筛选范围后分批导出"
        )
    book.close()
    audit.record("members.member.export", actor=actor, changes={"rows": count, "revealed": reveal})
    return buffer.getvalue()
