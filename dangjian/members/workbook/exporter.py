"""Scoped member export in the import layout: masked IDs unless revealed, formula-safe cells,
exporting user and time on the first line, one audit entry."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, actor_name, require_actor
from dangjian.core.exports import spreadsheet_safe
from dangjian.members.choices import Education, MemberStatus
from dangjian.members.services import decrypt_id, decrypt_phone
from dangjian.members.workbook.columns import HEADERS, SHEET

MAX_ROWS = 100_000
STATUS_LABELS = dict(MemberStatus.choices)
EXPORT_FIELDS = (
    "name",
    "id_number_enc",
    "id_number_masked",
    "phone_enc",
    "phone_masked",
    "status",
    "ethnicity",
    "education",
    "post",
    "is_cadre",
    "admitted_on",
    "full_on",
    "org__code",
    "org__path",
    "party_group__code",
)
EDUCATION_LABELS = dict(Education.choices)


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
        .only(*EXPORT_FIELDS)
        .order_by("org__path", "name", "id")
    )
    count = 0
    for count, member in enumerate(queryset[:MAX_ROWS].iterator(chunk_size=2000), start=1):
        values = [
            member.name,
            decrypt_id(member) if reveal else member.id_number_masked,
            member.org.code,
            member.party_group.code if member.party_group_id else "",
            STATUS_LABELS.get(member.status, member.status),
            member.ethnicity,
            decrypt_phone(member) if reveal else member.phone_masked,
            EDUCATION_LABELS.get(member.education, ""),
            member.post,
            "是" if member.is_cadre else "否",
            member.admitted_on.isoformat() if member.admitted_on else "",
            member.full_on.isoformat() if member.full_on else "",
        ]
        for col, value in enumerate(values):
            sheet.write_string(count + 1, col, spreadsheet_safe(str(value)))
    if count >= MAX_ROWS:
        sheet.write_string(
            count + 2, 0, f"超过{MAX_ROWS}行上限，其余未导出；请缩小筛选范围后分批导出"
        )
    book.close()
    audit.record("members.member.export", actor=actor, changes={"rows": count, "revealed": reveal})
    return buffer.getvalue()
