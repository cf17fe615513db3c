"""The one column layout shared by the template, the import and the export (so an export can be
imported again)."""

from __future__ import annotations

from dataclasses import dataclass

from dangjian.members.choices import Education, MemberStatus

SHEET = "党员信息"
OPTIONS_SHEET = "选项"
NOTES_SHEET = "填写说明"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    width: int = 14


COLUMNS = (
    Column("姓名", "name", required=True, width=10),
    Column("身份证号码", "id_number", required=True, width=21),
    Column("党支部编码", "branch", required=True, width=14),
    Column("党小组编码", "party_group", width=16),
    Column("党籍状态", "status", required=True, width=10),
    Column("民族", "ethnicity", width=10),
    Column("手机号码", "phone", width=14),
    Column("学历", "education", width=10),
    Column("工作岗位", "post", width=14),
    Column("是否干部", "is_cadre", width=9),
    Column("入党日期", "admitted_on", width=12),
    Column("转正日期", "full_on", width=12),
)
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
