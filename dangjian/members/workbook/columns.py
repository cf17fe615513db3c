"""The one column layout shared by the template, the import and the export (so an export can be
imported again)."""

from __future__ import annotations

from dataclasses import dataclass

from dangjian.members.choices import Education, MemberStatus
from dangjian.members.fields import WORKBOOK_FIELDS

SHEET = "党员信息"
OPTIONS_SHEET = "选项"
NOTES_SHEET = "填写说明"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    width: int = 14


# From the member declaration, whose order is the column order.
COLUMNS = tuple(Column(f.header, f.name, f.required, f.width) for f in WORKBOOK_FIELDS)
HEADERS = tuple(c.header for c in COLUMNS)
BY_FIELD = {c.field: c for c in COLUMNS}

# A file registers members in service; other standings are decided on the member page.
IMPORTABLE_STATUSES = [MemberStatus.FULL, MemberStatus.PROBATIONARY]
# Import accepts the Chinese labels (what the dropdowns offer) and the API codes.
STATUS_BY_TEXT = {
    **{MemberStatus(code).label: code for code in IMPORTABLE_STATUSES},
    **{str(code): code for code in IMPORTABLE_STATUSES},
    "正式": MemberStatus.FULL,
    "预备": MemberStatus.PROBATIONARY,
}
# Values older files carry (the platform's own exports before ADR 0026 among them): 流动 and
# 失联 are management states now, recorded on the member page after the import.
LEGACY_STATES = {"流动党员": "外出流动", "流动": "外出流动", "失联党员": "失联", "失联": "失联"}
LEGACY_STATES.update({"mobile": "外出流动", "lost_contact": "失联"})


def status_refusal(text: str) -> str:
    """Why a 党籍状态 cell was refused, in words naming the way forward."""
    if text in LEGACY_STATES:
        return (
            f"“{text}”不是党籍状态：请填写正式党员或预备党员，导入后在党员页面登记"
            f"{LEGACY_STATES[text]}"
        )
    if text in MemberStatus.labels or text in MemberStatus.values:
        return (
            f"党籍状态“{text}”不能通过导入登记：导入只登记正式党员和预备党员，其他请在党员页面办理"
        )
    return ""


EDUCATION_BY_TEXT = {
    **{label: code for code, label in Education.choices},
    **{code: code for code in Education.values},
}
YES = frozenset({"是", "Y", "YES", "TRUE", "1"})
NO = frozenset({"否", "N", "NO", "FALSE", "0", ""})
