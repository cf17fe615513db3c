"""A member's fields, declared once.

The form, ``MemberData``, the services' stored columns, the API serializer, the edit page, the
workbook layout (template, import, export) all read their lists from ``FIELDS``; nothing else
spells the set of a member's fields. The tuple's order is the workbook's column order (files in
the wild depend on it); ``form`` and ``api`` give the positions on the form and in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date
from enum import StrEnum
from typing import Any

from dangjian.core.rules import date_range_error, invisible_character_error
from dangjian.members.choices import ETHNICITIES, Education, Gender, MemberStatus
from dangjian.members.rules import echo, id_number_error


class Kind(StrEnum):
    TEXT = "text"
    ID_NUMBER = "id_number"  # SM4-GCM ciphertext, blind index, mask, birth date and gender
    PHONE = "phone"  # SM4-GCM ciphertext and mask
    CHOICE = "choice"
    FLAG = "flag"
    DATE = "date"
    BRANCH = "branch"  # the member's 党支部 (``org``): placed by the caller, never in MemberData
    PARTY_GROUP = "party_group"
    DERIVED = "derived"  # stored from another field at write time, read-only


class Shown(StrEnum):
    """A column the export adds for people reading it (never read back by the import)."""

    NAME = "name"  # the related node's name, beside its code
    ENTERPRISE = "enterprise"  # the 企业 the branch belongs to
    LABEL = "label"  # a stored code's Chinese label
    YEARS = "years"  # whole years from the date to the export day (年龄; 党龄 from 转正)


# A single-field check: the value and today → a Chinese message, or None.
Check = Callable[[Any, date], str | None]


@dataclass(frozen=True)
class MemberField:
    name: str  # on the form, in the API and in the workbook layout
    label: str
    kind: Kind
    attr: str = ""  # on MemberData and Member, when it differs from ``name``
    required: bool = False
    editable: bool = True  # supplied in MemberData and changed by update_member
    encrypted: bool = False
    max_length: int | None = None
    min_length: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    blank: bool = True  # "" is an accepted value (shown as "—" on the form)
    default: Any = ""
    help_text: str = ""
    form_checks_visible: bool = False  # the form refuses invisible characters itself
    check: Check | None = None  # run by field_errors for every write and import row
    clean: Callable[[Any], Any] | None = None  # how the value is stored, when not as given
    stored: tuple[str, ...] = ()  # Member columns written from it (encrypted: in encoder order)
    masked: str = ""  # an encrypted field's masked column: what lists, exports and forms show
    loads: tuple[str, ...] = ()  # what the export reads for its cell
    header: str = ""  # workbook column header; "" = not in the workbook
    # Readable columns the export writes after the import layout: (header, what is shown).
    readable: tuple[tuple[str, Shown], ...] = ()
    width: int = 14
    form: int | None = None  # position on the member form
    api: int | None = None  # position in the API representation
    api_read_only: bool = False

    @property
    def key(self) -> str:
        """The MemberData / Member attribute (and the API's ``source``)."""
        return self.attr or self.name


def _name_error(value: str, today: date) -> str | None:
    name = value.strip()
    if not name:
        return "请填写姓名"
    if len(name) > 50:
        return "姓名不能超过50个字"
    return invisible_character_error(value, label="姓名")


STATUS_VALUES = frozenset(MemberStatus.values)  # plain strings: enum access is measurable
ETHNICITY_SET = frozenset(ETHNICITIES)


def _status_error(value: str, today: date) -> str | None:
    return None if value in STATUS_VALUES else f"党籍状态“{echo(value)}”无效"


def _ethnicity_error(value: str, today: date) -> str | None:
    if value and value not in ETHNICITY_SET:
        return f"民族“{echo(value)}”不在56个民族之列"
    return None


def _phone_error(value: str, today: date) -> str | None:
    phone = value.strip()
    if phone and (len(phone) != 11 or not phone.isdigit() or phone[0] != "1"):
        return "手机号码应为以1开头的11位数字"
    return None


def _dated(label: str) -> Check:
    return lambda value, today: date_range_error(value, label=label, today=today)


def _or_han(value: str) -> str:
    return value or "汉族"


FIELDS: tuple[MemberField, ...] = (
    MemberField(
        "name",
        "姓名",
        Kind.TEXT,
        required=True,
        blank=False,
        max_length=50,
        form_checks_visible=True,
        check=_name_error,
        clean=str.strip,
        stored=("name",),
        header="姓名",
        width=10,
        form=1,
        api=1,
    ),
    MemberField(
        "id_number",
        "身份证号码",
        Kind.ID_NUMBER,
        required=True,
        blank=False,
        encrypted=True,
        max_length=18,
        min_length=18,
        help_text="出生日期和性别由身份证号码自动得出",
        check=lambda value, today: id_number_error(value, today=today),
        stored=(
            "id_number_enc",
            "id_number_index",
            "id_number_masked",
            "birth_date",
            "gender",
        ),
        masked="id_number_masked",
        loads=("id_number_enc", "id_number_masked"),
        header="身份证号码",
        width=21,
        form=2,
        api=2,
    ),
    MemberField(
        "branch",
        "党支部",
        Kind.BRANCH,
        attr="org_id",
        required=True,
        editable=False,
        loads=("org__code", "org__path", "org__name"),
        header="党支部编码",
        readable=(("所在支部", Shown.NAME), ("所属企业", Shown.ENTERPRISE)),
        width=14,
        api=4,
    ),
    MemberField(
        "party_group",
        "党小组",
        Kind.PARTY_GROUP,
        attr="party_group_id",
        default=None,
        stored=("party_group_id",),
        loads=("party_group__code", "party_group__name"),
        header="党小组编码",
        readable=(("所在党小组", Shown.NAME),),
        width=16,
        form=4,
        api=5,
    ),
    MemberField(
        "status",
        "党籍状态",
        Kind.CHOICE,
        required=True,
        blank=False,
        choices=tuple(MemberStatus.choices),
        check=_status_error,
        stored=("status",),
        header="党籍状态",
        width=10,
        form=3,
        api=6,
    ),
    MemberField(
        "ethnicity",
        "民族",
        Kind.CHOICE,
        blank=False,
        choices=tuple((e, e) for e in ETHNICITIES),
        default="汉族",
        check=_ethnicity_error,
        clean=_or_han,
        stored=("ethnicity",),
        header="民族",
        width=10,
        form=5,
        api=9,
    ),
    MemberField(
        "phone",
        "手机号码",
        Kind.PHONE,
        encrypted=True,
        max_length=11,
        check=_phone_error,
        stored=("phone_enc", "phone_masked"),
        masked="phone_masked",
        loads=("phone_enc", "phone_masked"),
        header="手机号码",
        width=14,
        form=6,
        api=3,
    ),
    MemberField(
        "education",
        "学历",
        Kind.CHOICE,
        choices=tuple(Education.choices),
        stored=("education",),
        header="学历",
        width=10,
        form=7,
        api=10,
    ),
    MemberField(
        "post",
        "工作岗位",
        Kind.TEXT,
        max_length=60,
        check=lambda value, today: invisible_character_error(value, label="工作岗位"),
        stored=("post",),
        header="工作岗位",
        width=14,
        form=8,
        api=11,
    ),
    MemberField(
        "is_cadre",
        "是否干部",
        Kind.FLAG,
        default=False,
        stored=("is_cadre",),
        header="是否干部",
        width=9,
        form=9,
        api=12,
    ),
    MemberField(
        "admitted_on",
        "入党日期",
        Kind.DATE,
        default=None,
        check=_dated("入党日期"),
        stored=("admitted_on",),
        header="入党日期",
        width=12,
        form=10,
        api=13,
    ),
    MemberField(
        "full_on",
        "转正日期",
        Kind.DATE,
        default=None,
        check=_dated("转正日期"),
        stored=("full_on",),
        header="转正日期",
        readable=(("党龄", Shown.YEARS),),
        width=12,
        form=11,
        api=14,
    ),
    MemberField(
        "gender",
        "性别",
        Kind.DERIVED,
        editable=False,
        choices=tuple(Gender.choices),
        loads=("gender",),
        readable=(("性别", Shown.LABEL),),
        api=7,
        api_read_only=True,
    ),
    MemberField(
        "birth_date",
        "出生日期",
        Kind.DERIVED,
        editable=False,
        loads=("birth_date",),
        readable=(("年龄", Shown.YEARS),),
        api=8,
        api_read_only=True,
    ),
)

BY_NAME = {f.name: f for f in FIELDS}
# What MemberData carries, in declaration order.
EDITABLE_FIELDS = tuple(f for f in FIELDS if f.editable)
FORM_FIELDS = tuple(sorted((f for f in FIELDS if f.form is not None), key=lambda f: f.form or 0))
API_FIELDS = tuple(sorted((f for f in FIELDS if f.api is not None), key=lambda f: f.api or 0))
WORKBOOK_FIELDS = tuple(f for f in FIELDS if f.header)
ENCRYPTED = frozenset(f.key for f in FIELDS if f.encrypted)
# Columns an audit entry shows as they are (the encrypted ones appear masked).
EDITABLE = tuple(f.key for f in EDITABLE_FIELDS if not f.encrypted)
STORED_COLUMNS = tuple(column for f in EDITABLE_FIELDS for column in f.stored)
# The export's readable columns, after the layout, in declaration order: (field, header, shown).
READABLE_COLUMNS = tuple((f, header, shown) for f in FIELDS for header, shown in f.readable)
EXPORT_FIELDS = tuple(
    dict.fromkeys(
        column
        for f in (*WORKBOOK_FIELDS, *(f for f in FIELDS if f.readable and not f.header))
        for column in f.loads or (f.key,)
    )
)
CHECKS = tuple((f.key, f.check) for f in EDITABLE_FIELDS if f.check is not None)


@dataclass(kw_only=True)
class MemberData:
    """What a form, the API or an import row supplies. ``id_number`` and ``phone`` are clear text
    only in memory; they are encrypted before anything is stored. An update names in ``keep`` the
    encrypted fields its caller did not supply: their stored ciphertext stands, neither decrypted
    nor encrypted again.

    Typed by hand for mypy; ``_check_member_data`` holds it to the declaration at import time."""

    name: str
    id_number: str
    party_group_id: int | None = None
    status: str
    ethnicity: str = "汉族"
    phone: str = ""
    education: str = ""
    post: str = ""
    is_cadre: bool = False
    admitted_on: date | None = None
    full_on: date | None = None
    keep: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)


def _check_member_data() -> None:
    typed = {f.name: f.default for f in dataclass_fields(MemberData)}
    names = [name for name in typed if name not in ("keep", "extra")]
    declared = [f.key for f in EDITABLE_FIELDS]
    if names != declared:
        raise TypeError(f"MemberData fields {names} differ from the declared {declared}")
    for spec in EDITABLE_FIELDS:
        expected = MISSING if spec.required else spec.default
        if typed[spec.key] != expected:
            raise TypeError(f"MemberData.{spec.key} defaults to {typed[spec.key]!r}")


_check_member_data()


# Beside the editable fields: the columns only the standing and movement services write
# (ADR 0026), declared here once. Column → its cleared value.
# Management states overlap the standing and end with membership (出党, 去世, 转出).
MANAGEMENT_STATES: dict[str, Any] = {
    "mobile_since": None,
    "lost_contact_since": None,
    "watch_from": None,
    "watch_until": None,
    "rights_suspended_since": None,
    "rights_suspension": "",
}
# The standing's own dates: kept as history while the member is off the registry.
STANDING_DATES: dict[str, Any] = {"suspended_on": None, "exited_on": None, "exit_kind": ""}
# 延长预备期, recorded by its own service.
PROBATION_EXTENSION = (
    "probation_extension_months",
    "probation_extended_on",
    "probation_extension_reason",
)
# What a member registered again leaves behind, and what the API shows read-only.
LEFT_BEHIND: dict[str, Any] = {**MANAGEMENT_STATES, **STANDING_DATES}
SERVICE_ONLY = (*LEFT_BEHIND, *PROBATION_EXTENSION)
