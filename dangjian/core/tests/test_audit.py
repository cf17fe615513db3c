"""The audit log is append-only in the database and tamper-evident through its HMAC-SM3 chain."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from dangjian.core import audit
from dangjian.core.models import AuditEntry
from dangjian.core.testing.clients import login

pytestmark = pytest.mark.django_db


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='core_auditentry'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditentry'::regclass "
                "AND NOT tgisinternal"
            )
        return {row[0] for row in cursor.fetchall()}


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        for name in _triggers():
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER {name}")
            else:
                cursor.execute(f"DROP TRIGGER {name} ON core_auditentry")


def test_triggers_exist_after_migrate() -> None:
    expected = (
        {"core_auditentry_no_update", "core_auditentry_no_delete"}
        if connection.vendor == "sqlite"
        else {"core_auditentry_no_update_delete", "core_auditentry_no_truncate"}
    )
    assert _triggers() == expected


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditentry SET action = 'forged' WHERE seq = 1",
        "DELETE FROM core_auditentry WHERE seq = 1",
    ],
)
def test_raw_sql_update_and_delete_are_refused(statement: str) -> None:
    before = AuditEntry.objects.get(seq=1).action
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEntry.objects.get(seq=1).action == before


def test_orm_update_is_refused() -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=2).update(outcome="failure")


def test_flush_is_refused_and_keeps_the_log() -> None:
    """The suite never flushes; ``flush`` itself must fail rather than empty the log."""
    count = AuditEntry.objects.count()
    with pytest.raises((CommandError, DatabaseError)), transaction.atomic():
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == count


def test_verify_audit_passes_on_an_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("verify_audit")
    assert "校验通过" in capsys.readouterr().out


def test_verify_audit_names_the_first_tampered_entry() -> None:
    _drop_triggers()
    target = AuditEntry.objects.order_by("seq")[10]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET object_repr = 'forged' WHERE seq = %s", [target.seq]
        )
    with pytest.raises(CommandError, match=f"第 {target.seq} 条"):
        call_command("verify_audit")


def test_verify_audit_detects_a_deleted_middle_entry() -> None:
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq = 5")
    with pytest.raises(CommandError, match="第 6 条"):
        call_command("verify_audit")


def test_verify_audit_detects_a_truncated_tail_through_the_checkpoint(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DANGJIAN_AUDIT_CHECKPOINTS", str(tmp_path / "cp.jsonl"))
    call_command("verify_audit", "--checkpoint")
    head = AuditEntry.objects.order_by("-seq").first()
    assert head is not None
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq = %s", [head.seq])
    with pytest.raises(CommandError, match="截断"):
        call_command("verify_audit")


def test_entries_chain_and_carry_request_context(client_for) -> None:
    client = client_for("supervisor")
    response = client.get("/orgs/", HTTP_X_REQUEST_ID="req-test-000123")
    assert response["X-Request-ID"] == "req-test-000123"
    before = AuditEntry.objects.order_by("-seq").first()
    assert before is not None
    from dangjian.orgs.models import OrgNode

    node = OrgNode.objects.get(code="CT02-ZB1")
    client.post(
        f"/orgs/{node.pk}/edit/",
        {"code": node.code, "name": "自来水公司党支部", "version": node.version},
        HTTP_X_REQUEST_ID="req-test-000124",
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert entry.seq == before.seq + 1
    assert entry.prev_mac == before.mac
    assert entry.action == "orgs.org.update"
    assert entry.request_id == "req-test-000124"
    assert entry.actor_username == "supervisor"
    assert entry.actor_roles.startswith("supervisor@")
    assert entry.org_path == node.path
    assert entry.changes["name"] == [node.name, "自来水公司党支部"]
    assert audit.verify_chain().ok


def test_audit_write_failure_rolls_back_the_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails closed: if the entry cannot be written, the change it records is not kept."""
    from dangjian.orgs import services
    from dangjian.orgs.models import OrgNode

    def broken(*args, **kwargs):
        raise DatabaseError("audit unavailable")

    monkeypatch.setattr(audit, "record", broken)
    parent = OrgNode.objects.get(code="CT02")
    with pytest.raises(DatabaseError):
        services.create_org(actor=None, parent=parent, kind="branch", code="CT02-ZB9", name="x")
    assert not OrgNode.objects.filter(code="CT02-ZB9").exists()


def test_only_the_auditor_reads_and_exports_the_log(client_for, user) -> None:
    assert client_for("supervisor").get("/audit/").status_code == 403
    assert client_for("sysadmin").get("/audit/").status_code == 403
    auditor = login(Client(), user("auditor"))
    page = auditor.get("/audit/?q=orgs.org.create")
    assert page.status_code == 200
    assert "orgs.org.create" in page.content.decode()
    exported = auditor.get("/audit/export/?q=orgs.org")
    body = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "导出人：auditor" in body
    assert "orgs.org.create" in body
    assert AuditEntry.objects.filter(action="audit.export", actor_username="auditor").exists()
