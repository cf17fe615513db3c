"""The audit log as an auditor reads it: Chinese labels (searched too), objects by name and link,
denials saying what was refused, roles and organisations by name; the CSV in local time with a
Chinese file name."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.db import transaction

from dangjian.core import audit
from dangjian.core.actors import SystemActor
from dangjian.core.audit_display import (
    declared_permission_labels,
    describe_entries,
    readable_roles,
    refusal,
    role_paths,
)
from dangjian.core.audit_names import declared_audit_names
from dangjian.core.models import AuditEntry
from dangjian.core.permissions import RULES, Role

pytestmark = pytest.mark.django_db


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_registered_name_and_permission_action_has_a_chinese_label() -> None:
    names = declared_audit_names()
    assert names
    assert [n for n, label in names.items() if not _has_han(label)] == []
    permission_labels = declared_permission_labels()
    assert sorted(set(RULES) - set(permission_labels)) == []
    assert [a for a, label in permission_labels.items() if not _has_han(label)] == []


def test_a_role_snapshot_reads_with_role_and_organisation_names() -> None:
    snapshot = "secretary@/1/5/*;clerk@/1/5/8/;strange"
    assert role_paths(snapshot) == {"/1/5/", "/1/5/8/"}
    names = {"/1/5/": "甲公司党委", "/1/5/8/": "第一支部"}
    assert readable_roles(snapshot, names) == (
        f"{Role.SECRETARY.label}（甲公司党委及下级）；{Role.CLERK.label}（第一支部）；strange"
    )
    assert readable_roles("auditor", {}) == Role.AUDITOR.label
    assert readable_roles("clerk@/9/", {}) == f"{Role.CLERK.label}（/9/）"  # unknown path kept


def test_a_denial_says_what_was_refused() -> None:
    entry = AuditEntry(
        action="access.denied", changes={"action": "member.view", "path": "/members/5/"}
    )
    assert refusal(entry) == "拒绝访问：查看党员 /members/5/"
    hidden = AuditEntry(
        action="access.denied",
        changes={"object_type": "members.member", "object_id": "5", "path": "/members/5/"},
    )
    assert refusal(hidden) == "拒绝访问：权限范围外的党员 /members/5/"
    repeated = AuditEntry(
        action="access.denied.repeated",
        changes={"action": "audit.view", "path": "/audit/", "repeats": 3},
    )
    assert refusal(repeated) == "拒绝访问：查看审计日志 /audit/，重复 3 次"
    assert refusal(AuditEntry(action="orgs.org.create", changes={})) == ""


def _org_entry() -> AuditEntry:
    from dangjian.orgs.models import OrgNode

    node = OrgNode.objects.filter(kind="branch").order_by("path").first()
    assert node is not None
    with transaction.atomic():
        return audit.record(
            "orgs.org.update", actor=SystemActor("tests"), obj=node, org_path=node.path
        )


def test_the_list_shows_labels_names_kinds_and_refusals(client_for) -> None:
    entry = _org_entry()
    from dangjian.orgs.models import OrgNode

    node = OrgNode.objects.get(pk=entry.object_id)
    assert client_for("sysadmin").get("/members/").status_code == 403
    body = client_for("auditor").get("/audit/").content.decode()
    assert declared_audit_names()["orgs.org.update"] in body
    assert "拒绝访问：查看党员 /members/" in body
    row = body[body.index(f"<td>{entry.seq}</td>") :].split("</tr>")[0]
    # The auditor reads the log, not the tree (三权分立): the object by name and kind, no link
    # to a page its role would be refused.
    assert node.name in row and f"{OrgNode._meta.verbose_name} #{node.pk}" in row
    assert f'href="/orgs/{node.pk}/"' not in row
    # The entry's organisation is shown by name, not by its path.
    assert f"<td>{node.name}</td>" in row and node.path not in row


def test_an_object_links_to_its_page_for_a_viewer_who_may_open_it(user) -> None:
    entry = _org_entry()
    hidden = AuditEntry(
        action="access.denied",
        object_type="",
        changes={"object_type": "members.member", "object_id": "7", "path": "/members/7/"},
    )
    (county,) = describe_entries([entry, hidden], viewer=user("supervisor"))[:1]
    assert county.object_url == f"/orgs/{entry.object_id}/"
    assert describe_entries([hidden], viewer=user("supervisor"))[0].object_url == "/members/7/"
    auditor = describe_entries([entry, hidden], viewer=user("auditor"))
    assert [row.object_url for row in auditor] == [None, None]
    unknown = AuditEntry(action="x", object_type="ledger.row", object_id="1")
    assert describe_entries([unknown], viewer=user("supervisor"))[0].object_url is None


def test_search_finds_an_entry_by_its_chinese_label(client_for) -> None:
    entry = _org_entry()
    label = declared_audit_names()["orgs.org.update"]
    auditor = client_for("auditor")
    body = auditor.get("/audit/", {"q": label}).content.decode()
    assert f"<td>{entry.seq}</td>" in body
    other = auditor.get("/audit/", {"q": "不存在的操作名称"}).content.decode()
    assert f"<td>{entry.seq}</td>" not in other


def _csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@time_machine.travel(datetime(2027, 1, 31, 17, 30, tzinfo=UTC), tick=False)
def test_the_csv_reads_in_local_time_with_names_and_a_chinese_file_name(client_for, user) -> None:
    entry = _org_entry()
    from dangjian.orgs.models import OrgNode

    node = OrgNode.objects.get(pk=entry.object_id)
    response = client_for("auditor").get("/audit/export/", {"q": "orgs.org.update"})
    # 17:30 UTC on 31 January is 01:30 on 1 February in Shanghai: the local day names the file.
    name = quote("审计日志-20270201.csv")
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{name}"
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = _csv(response)
    account = user("auditor")
    assert rows[0][0] == f"导出人：{account.full_name}（auditor）"
    assert rows[0][1] == "导出时间：2027-02-01T01:30:00+08:00"
    planted = dict(zip(rows[1], next(r for r in rows[2:] if r[0] == str(entry.seq)), strict=True))
    assert planted["时间"] == "2027-02-01T01:30:00+08:00"
    assert planted["操作名称"] == declared_audit_names()["orgs.org.update"]
    assert planted["组织"] == node.name and planted["组织路径"] == node.path
    assert planted["对象"] == entry.object_repr


def test_the_csv_shows_roles_in_chinese(client_for, user) -> None:
    client_for("clerk1").get("/audit/")  # denied: an entry with clerk1's role snapshot
    rows = _csv(client_for("auditor").get("/audit/export/", {"q": "access.denied"}))
    header = rows[1]
    mine = [dict(zip(header, r, strict=True)) for r in rows[2:] if r[2] == "clerk1"]
    assert mine
    row = mine[0]
    assert "@" in row["角色（原始记录）"]
    assert re.fullmatch(r"[^@;]+（[^）]+）(；[^@;]+（[^）]+）)*", row["角色"]), row["角色"]
    assert Role.CLERK.label in row["角色"] or Role.SECRETARY.label in row["角色"]
    assert row["对象"].startswith("拒绝访问：查看审计日志")


def _written_names() -> set[str]:
    """Every audit name the code writes literally: ``audit.record("name", ...)``."""
    import ast
    from pathlib import Path

    import dangjian

    root = Path(dangjian.__file__).parent
    names = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.add(node.args[0].value)
    return names


def test_every_name_the_code_writes_is_declared_with_a_label() -> None:
    written = _written_names()
    assert len(written) > 20  # the walk found the platform's writes
    assert sorted(written - set(declared_audit_names())) == []
