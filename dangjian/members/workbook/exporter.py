"""Scoped member export in the import layout: masked IDs unless revealed, formula-safe cells,
exporting user and time on the first line, one audit entry."""

from __future__ import annotations

import io
import operator
from collections.abc import Callable
from typing import Any

import xlsxwriter

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, actor_name, require_actor
from dangjian.core.exports import spreadsheet_safe
from dangjian.members.fields import EXPORT_FIELDS, WORKBOOK_FIELDS, Kind, MemberField
from dangjian.members.services import decrypt_id, decrypt_phone
from dangjian.members.workbook.columns import HEADERS, SHEET

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


def export_members(members: Any, *, actor: Actor, reveal: bool) -> bytes:
    require_actor(actor)
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
    who = actor_name(actor) or "系统"
    sheet.write_string(
        0,
        0,
        spreadsheet_safe(
            f"导出人：{who}  导出时间：{stamp}  身份证号码{'为完整号码' if reveal else '已脱敏'}"
        ),
    )
    for col, header in enumerate(HEADERS):
        sheet.write_string(1, col, spreadsheet_safe(header), bold)
    # Callers may hand over a list queryset with .only(); every column written here is loaded
    # in the one query, or each row would fetch its deferred fields separately.
    queryset = (
        members.defer(None)
        .select_related("org", "party_group")
        .only(*EXPORT_FIELDS)  # what the declared columns read
        .order_by("org__path", "name", "id")
    )
    cells = [_cell(spec, reveal) for spec in WORKBOOK_FIELDS]
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
