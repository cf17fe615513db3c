"""Formula injection: every cell of every CSV/xlsx export goes through ``spreadsheet_safe``.

Each test plants formula payloads in every text column an export writes, exports through the
page a person uses, parses the file back and checks that no cell could be evaluated.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from django.db import transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import audit
from dangjian.core.actors import SystemActor
from dangjian.core.exports import FORMULA_STARTS, is_formula_like, spreadsheet_safe
from dangjian.core.models import AuditEntry
from dangjian.testkit.clients import login

HYPERLINK = '=HYPERLINK("http://x.example","y")'
# Short enough for the narrowest column (phone mask, 11 characters) on PostgreSQL.
PAYLOADS = ["=1+2", "+cmd", "-1+1", "@SUM(1)", "\t=1", "\r=1", "＝1+2", "＠SUM", "　=1", " +1"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-1+1", "'-1+1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("  =1", "'  =1"),
        ("\u3000＝1", "'\u3000＝1"),
        ("\ufeff+1", "'\ufeff+1"),
        ("\u200b@x", "'\u200b@x"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("a=b", "a=b"),
        ("张三", "张三"),
        ("'=1", "'=1"),
        ("", ""),
        (None, ""),
        (7, 7),
    ],
)
def test_spreadsheet_safe_table(value: Any, expected: Any) -> None:
    assert spreadsheet_safe(value) == expected


@given(st.text(alphabet=st.sampled_from([*sorted(FORMULA_STARTS), " ", "\u3000", "a", "张", "1"])))
def test_spreadsheet_safe_keeps_text_and_is_never_formula_like(text: str) -> None:
    safe = spreadsheet_safe(text)
    assert not is_formula_like(safe)
    assert safe in (text, "'" + text)


def _csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _assert_cells_safe(cells: list[Any]) -> None:
    for cell in cells:
        if isinstance(cell, str) and cell:
            assert not is_formula_like(cell), repr(cell)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [HYPERLINK, *PAYLOADS])
def test_audit_export_escapes_every_column(user, payload: str) -> None:
    """An entry whose every text column carries the payload (written as the chain's next entry)."""
    seq, prev_mac = audit.chain_head()
    entry = AuditEntry(
        seq=seq + 1,
        created_at=datetime.now(UTC),
        actor_id=None,
        actor_username=payload,
        actor_roles=payload,
        org_path=payload,
        client_ip=payload,
        request_id=payload,
        action=payload,
        object_type=payload,
        object_id=payload,
        object_repr=payload,
        changes={"note": payload},
        outcome=payload[:10],  # the narrowest column
        prev_mac=prev_mac,
    )
    entry.mac = compute = audit.compute_mac(entry)
    with transaction.atomic():
        entry.save(force_insert=True)
    auditor = login(Client(), user("auditor"))
    rows = _csv_rows(auditor.get("/audit/export/"))
    header = rows[1]
    for row in rows:
        _assert_cells_safe(row)
    planted = next(r for r in rows[2:] if r[0] == str(entry.seq))
    by_column = dict(zip(header, planted, strict=True))
    text_columns = set(header) - {"序号", "时间", "变更内容", "校验值", "结果"}
    assert {by_column[name] for name in text_columns} == {"'" + payload}
    assert by_column["结果"] == "'" + payload[:10]
    # JSON text starts with "{", so it is kept as it was.
    assert by_column["变更内容"] == json.dumps({"note": payload}, ensure_ascii=False)
    assert by_column["校验值"] == compute


@pytest.mark.django_db
def test_login_name_formula_is_escaped_in_the_auditors_export(user) -> None:
    """The real path from the finding: a login attempt named like a formula."""
    response = Client().post(
        "/accounts/login/", {"username": HYPERLINK, "password": "wrong-Passw0rd!"}
    )
    assert response.status_code == 200
    auditor = login(Client(), user("auditor"))
    rows = _csv_rows(auditor.get("/audit/export/?q=auth.login_failed"))
    header = rows[1]
    failed = [dict(zip(header, r, strict=True)) for r in rows[2:]]
    mine = [r for r in failed if HYPERLINK in r["操作人"]]
    assert mine, "the failed login was not exported"
    for row in mine:
        assert row["操作人"] == "'" + HYPERLINK
        assert row["对象"] == "'" + HYPERLINK
        _assert_cells_safe(list(row.values()))


def _xlsx_cells(content: bytes) -> list[tuple[str, Any, str]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        (sheet.title, cell.value, cell.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def _assert_workbook_safe(content: bytes) -> list[Any]:
    cells = _xlsx_cells(content)
    assert cells
    for sheet, value, data_type in cells:
        assert data_type != "f", (sheet, value)
        if isinstance(value, str):
            assert not is_formula_like(value), (sheet, value)
    return [value for _, value, _ in cells]


@pytest.mark.django_db
@pytest.mark.parametrize("reveal", ["", "?reveal=1"])
def test_member_export_escapes_every_column(client_for, org, reveal: str) -> None:
    """Every stored text column the export reads is overwritten below the service with a payload,
    so even a value that slipped past validation cannot become a formula."""
    from dangjian.members import services
    from dangjian.members.models import Member
    from dangjian.members.tests.helpers import data
    from dangjian.orgs.models import OrgNode

    branch = org("CT01-ZB1")
    member = services.register_member(
        actor=SystemActor("tests"),
        org=branch,
        data=data(name=HYPERLINK, post="@SUM(A1)", phone="13800001111"),
    )
    Member.objects.filter(pk=member.pk).update(
        id_number_masked="=1+2",
        phone_masked="+cmd",
        ethnicity="-1+1",
        status="＝1+2",
        education="@SUM",
    )
    with transaction.atomic():
        # Codes are regex-checked by the service; the raw update stands for data from elsewhere.
        OrgNode.objects.filter(pk=branch.pk).update(code="-CT01")
    values = _assert_workbook_safe(
        # 名册范围 全部: the payload standing is no current one, and the export follows the list.
        client_for("secretary1").get(f"/members/export/?roll=all{reveal.replace('?', '&')}").content
    )
    for payload in (HYPERLINK, "@SUM(A1)", "-CT01", "＝1+2", "-1+1"):
        assert "'" + payload in values
    if not reveal:
        assert "'=1+2" in values and "'+cmd" in values


@pytest.mark.django_db
def test_import_template_writes_branch_names_as_text(org) -> None:
    from dangjian.members.workbook.template import build_template

    content = build_template(
        [("CT01-ZB1", HYPERLINK), ("CT01-ZB2", "+cmd")], [("CT01-ZB1-G1", "@SUM", "CT01-ZB1")]
    )
    values = _assert_workbook_safe(content)
    assert f"CT01-ZB1  {HYPERLINK}" in values
    assert "CT01-ZB1" in values  # the dropdown list keeps valid codes as they are


@pytest.mark.django_db
def test_import_template_page_escapes_an_organisation_named_like_a_formula(client_for, org) -> None:
    from dangjian.orgs.models import OrgNode

    branch = org("CT01-ZB1")
    OrgNode.objects.filter(pk=branch.pk).update(name=HYPERLINK)
    response = client_for("clerk1").get("/members/import/template/")
    assert response.status_code == 200
    values = _assert_workbook_safe(response.content)
    assert any(isinstance(v, str) and HYPERLINK in v for v in values)
