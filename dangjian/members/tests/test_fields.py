"""The member's fields are declared once (``members.fields``); every list derived from that
declaration agrees with it, and what users see (labels, headers, order) is pinned."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields

import pytest

from dangjian.members import fields
from dangjian.members.api import MemberSerializer
from dangjian.members.fields import EDITABLE_FIELDS, FIELDS, MemberData
from dangjian.members.forms import MemberForm, edit_initial
from dangjian.members.models import Member
from dangjian.members.services import STORED_COLUMNS, stored_values
from dangjian.members.tests.factories import make_member
from dangjian.members.workbook.columns import COLUMNS, HEADERS
from dangjian.members.workbook.exporter import EXPORT_FIELDS

EDITABLE_NAMES = [f.name for f in EDITABLE_FIELDS]


def _in_order(names: list[str], within: list[str]) -> bool:
    positions = [within.index(name) for name in names]
    return positions == sorted(positions)


def test_what_users_see_is_pinned() -> None:
    # The import template, export files and API clients depend on these exactly.
    assert HEADERS == (
        "姓名",
        "身份证号码",
        "党支部编码",
        "党小组编码",
        "党籍状态",
        "民族",
        "手机号码",
        "学历",
        "工作岗位",
        "是否干部",
        "入党日期",
        "转正日期",
    )
    assert [c.header for c in COLUMNS if c.required] == [
        "姓名",
        "身份证号码",
        "党支部编码",
        "党籍状态",
    ]
    form = MemberForm()
    assert [(name, field.label) for name, field in form.fields.items()] == [
        ("name", "姓名"),
        ("id_number", "身份证号码"),
        ("status", "党籍状态"),
        ("party_group", "党小组"),
        ("ethnicity", "民族"),
        ("phone", "手机号码"),
        ("education", "学历"),
        ("post", "工作岗位"),
        ("is_cadre", "是否干部"),
        ("admitted_on", "入党日期"),
        ("full_on", "转正日期"),
        ("version", None),
    ]
    assert list(MemberSerializer().fields) == [
        "id",
        "name",
        "id_number",
        "phone",
        "branch",
        "party_group",
        "status",
        "status_display",
        "gender",
        "birth_date",
        "ethnicity",
        "education",
        "post",
        "is_cadre",
        "admitted_on",
        "full_on",
        "mobile_since",
        "lost_contact_since",
        "watch_from",
        "watch_until",
        "rights_suspended_since",
        "rights_suspension",
        "suspended_on",
        "exited_on",
        "exit_kind",
        "probation_extension_months",
        "probation_extended_on",
        "probation_extension_reason",
        "has_voting_rights",
        "version",
    ]


def test_member_data_is_the_declared_editable_fields() -> None:
    names = [f.name for f in dataclass_fields(MemberData) if f.name not in ("keep", "extra")]
    assert names == [f.key for f in EDITABLE_FIELDS]


def test_every_editable_field_is_on_the_form_with_its_label_in_declared_order() -> None:
    form = MemberForm()
    on_form = list(form.fields)
    assert set(EDITABLE_NAMES) <= set(on_form)
    assert _in_order([f.name for f in fields.FORM_FIELDS], on_form)
    for spec in fields.FORM_FIELDS:
        assert form.fields[spec.name].label == spec.label
        assert form.fields[spec.name].required is not spec.blank


def test_every_editable_field_is_in_the_serializer_writable() -> None:
    serializer_fields = MemberSerializer().fields
    api_names = [f.name for f in fields.API_FIELDS]
    assert _in_order(api_names, list(serializer_fields))
    for name in EDITABLE_NAMES:
        assert not serializer_fields[name].read_only, name
        source = serializer_fields[name].source
        assert source == fields.BY_NAME[name].key, name
    for spec in fields.API_FIELDS:
        assert serializer_fields[spec.name].read_only is spec.api_read_only, spec.name
    # Encrypted fields are written in full and never read back from the request's value.
    assert all(serializer_fields[f.name].write_only for f in FIELDS if f.encrypted)


def test_workbook_columns_follow_the_declaration() -> None:
    declared = [f for f in FIELDS if f.header]
    assert [(c.field, c.header, c.required, c.width) for c in COLUMNS] == [
        (f.name, f.header, f.required, f.width) for f in declared
    ]
    # Every editable field can be imported and exported, in the declaration's order.
    column_fields = [c.field for c in COLUMNS]
    assert set(EDITABLE_NAMES) <= set(column_fields)
    assert _in_order(EDITABLE_NAMES, column_fields)


def test_stored_and_exported_columns_are_member_columns() -> None:
    concrete = {f.name for f in Member._meta.concrete_fields} | {
        f.attname for f in Member._meta.concrete_fields
    }
    assert set(STORED_COLUMNS) <= concrete
    assert len(set(STORED_COLUMNS)) == len(STORED_COLUMNS)
    assert tuple(c for f in EDITABLE_FIELDS for c in f.stored) == STORED_COLUMNS
    for column in EXPORT_FIELDS:
        head = column.split("__")[0]
        assert head in concrete, column
    data = MemberData(name="甲", id_number="11010519491231002X", status="full", phone="13912345678")
    assert tuple(stored_values(data, index="i")) == STORED_COLUMNS


@pytest.mark.django_db
def test_export_writes_one_cell_per_declared_column(org, user) -> None:
    import io

    from python_calamine import CalamineWorkbook

    from dangjian.members.workbook.exporter import export_members

    make_member(org("CT01-ZB1"), name="导出者", phone="13912345678", post="车间")
    content = export_members(
        Member.objects.filter(name="导出者"), actor=user("secretary1"), reveal=False
    )
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("党员信息")
    header, row = rows.to_python()[1:3]
    # The import layout first, unchanged; the readable columns after it.
    assert tuple(header[: len(HEADERS)]) == HEADERS
    values = dict(zip(header, row, strict=True))
    assert values["姓名"] == "导出者" and values["党支部编码"] == "CT01-ZB1"
    assert values["手机号码"] == "139****5678" and values["工作岗位"] == "车间"
    assert values["党籍状态"] == "正式党员" and values["是否干部"] == "否"


@pytest.mark.django_db
def test_edit_page_starts_from_every_shown_field(org) -> None:
    member = make_member(org("CT01-ZB1"), post="岗位")
    initial = edit_initial(member)
    shown = [f.name for f in fields.FORM_FIELDS if not f.encrypted]
    assert list(initial) == [*shown, "version"]
    assert initial["post"] == "岗位" and initial["party_group"] == ""
    assert "id_number" not in initial and "phone" not in initial


@pytest.mark.django_db
def test_api_representation_keys_keep_their_order(client_for, org) -> None:
    member = make_member(org("CT01-ZB1"), phone="13912345678")
    body = client_for("secretary1").get(f"/api/members/{member.pk}/").json()
    # The order is pinned once, on the serializer (test_what_users_see_is_pinned); the
    # representation keeps it and reads the write-only encrypted fields back, masked, last.
    encrypted = ["id_number", "phone"]
    declared = [name for name in MemberSerializer().fields if name not in encrypted]
    assert list(body) == [*declared, *encrypted]
    assert body["phone"] == "139****5678" and body["id_number"] == member.id_number_masked


@pytest.mark.django_db
def test_edit_form_keeps_encrypted_fields_left_blank(org) -> None:
    member = make_member(org("CT01-ZB1"))  # no phone
    form = MemberForm(current=member)
    assert form.fields["id_number"].help_text == f"留空则不修改（当前：{member.id_number_masked}）"
    assert form.fields["phone"].help_text == "留空则不修改（当前：未填写）"
    assert not form.fields["id_number"].required and not form.fields["id_number"].validators
    assert 11 in [getattr(v, "limit_value", None) for v in form.fields["phone"].validators]
    blank = MemberForm()
    assert blank.fields["id_number"].required
    assert blank.fields["id_number"].help_text == "出生日期和性别由身份证号码自动得出"
    assert blank.fields["ethnicity"].initial == "汉族"


def test_encrypted_fields_are_the_ones_key_rotation_re_encrypts() -> None:
    # rotate_field_key walks Member.ENCRYPTED_FIELDS; the declaration must name the same columns.
    ciphertexts = {f.stored[0] for f in FIELDS if f.encrypted}
    assert ciphertexts == set(Member.ENCRYPTED_FIELDS)
    assert all(f.masked in f.stored and f.masked in f.loads for f in FIELDS if f.encrypted)
