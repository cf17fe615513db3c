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

# Import accepts the Chinese labels (what the dropdowns offer) and the API codes.
STATUS_BY_TEXT = {
    **{label: code for code, label in MemberStatus.choices},
    **{code: code for code in MemberStatus.values},
    "正式": MemberStatus.FULL,
    "预备": MemberStatus.PROBATIONARY,
}
EDUCATION_BY_TEXT = {
    **{label: code for code, label in Education.choices},
    **{code: code for code in Education.values},
}
YES = frozenset({"是", "Y", "YES", "TRUE", "1"})
NO = frozenset({"否", "N", "NO", "FALSE", "0", ""})
IMPORTABLE_STATUSES = [
    MemberStatus.FULL,
    MemberStatus.PROBATIONARY,
    MemberStatus.MOBILE,
    MemberStatus.LOST_CONTACT,
]
