"""The audit log is append-only in the database and tamper-evident through its HMAC-SM3 chain."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from dangjian.core import audit
from dangjian.core.actors import SystemActor
from dangjian.core.audit_names import declare_audit_names
from dangjian.core.checkpoints import checkpoint_file
from dangjian.core.models import AuditEntry
from dangjian.testkit.clients import login

# Names only these tests write (undeclared names fail under AUDIT_STRICT_NAMES).
declare_audit_names({"test.append": "测试追加", "test.later": "测试后续"})

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
    ) | {"core_auditentry_no_replace"}
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


def _overwrite_statements() -> list[str]:
    """Ways to put a forged row over entry 1 without UPDATE or DELETE, per database."""
    columns = [str(field.column) for field in AuditEntry._meta.fields]
    names = ", ".join(columns)
    forged = ", ".join("'forged'" if c == "action" else c for c in columns)
    select = f"SELECT {forged} FROM core_auditentry WHERE seq = 1"
    upsert = "ON CONFLICT (seq) DO UPDATE SET action = 'forged'"
    if connection.vendor == "sqlite":
        return [
            f"REPLACE INTO core_auditentry ({names}) {select}",
            f"INSERT OR REPLACE INTO core_auditentry ({names}) {select}",
            # SQLite needs a WHERE before ON CONFLICT to parse an upsert from a SELECT.
            f"INSERT INTO core_auditentry ({names}) {select} AND 1 {upsert}",
            f"INSERT OR IGNORE INTO core_auditentry ({names}) {select}",
            f"INSERT INTO core_auditentry ({names}) {select}",
        ]
    return [
        f"INSERT INTO core_auditentry ({names}) {select} {upsert}",
        f"INSERT INTO core_auditentry ({names}) {select} ON CONFLICT DO NOTHING",
        f"INSERT INTO core_auditentry ({names}) {select}",
    ]


def test_replace_and_upsert_are_refused_and_the_row_is_unchanged() -> None:
    before = AuditEntry.objects.filter(seq=1).values().get()
    count = AuditEntry.objects.count()
    statements = _overwrite_statements()
    for statement in statements:
        with (
            pytest.raises(DatabaseError, match="REPLACE/upsert refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
        assert AuditEntry.objects.filter(seq=1).values().get() == before, statement
    assert AuditEntry.objects.count() == count
    assert audit.verify_chain().ok


def test_without_the_insert_trigger_replace_gets_through_on_sqlite() -> None:
    """Shows what the new trigger is for, so the test above cannot pass by accident: on SQLite
    the UPDATE/DELETE triggers alone let REPLACE change a row; on PostgreSQL an upsert still
    meets the UPDATE trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_replace")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_replace ON core_auditentry")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(_overwrite_statements()[0])
        assert AuditEntry.objects.get(seq=1).action == "forged"
        assert not audit.verify_chain().ok
    else:
        with (
            pytest.raises(DatabaseError, match="UPDATE refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(_overwrite_statements()[0])
        assert AuditEntry.objects.get(seq=1).action != "forged"


def test_appending_the_next_entry_still_works() -> None:
    head, _ = audit.chain_head()
    with transaction.atomic():
        entry = audit.record("test.append", actor=SystemActor("tests"), username="t")
    assert entry.seq == head + 1


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


def _delete_head() -> int:
    head = AuditEntry.objects.order_by("-seq").first()
    assert head is not None
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq = %s", [head.seq])
    return head.seq


def test_tail_deletion_is_caught_after_the_automatic_checkpoint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No --checkpoint: a plain clean verification leaves a checkpoint behind by itself."""
    assert not checkpoint_file().exists()
    call_command("verify_audit")
    assert "已写入检查点" in capsys.readouterr().out
    assert checkpoint_file().exists()
    with transaction.atomic():
        audit.record("test.later", actor=SystemActor("tests"), username="t")
    call_command("verify_audit")  # the head moved on; the newer checkpoint follows it
    _delete_head()
    with pytest.raises(CommandError, match="日志尾部被截断"):
        call_command("verify_audit")


def test_no_checkpoint_option_writes_none() -> None:
    call_command("verify_audit", "--no-checkpoint")
    assert not checkpoint_file().exists()


@pytest.mark.parametrize("content", [None, "", "\n\n"])
def test_missing_or_empty_checkpoint_is_warned_loudly(
    content: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    if content is not None:
        checkpoint_file().write_text(content, encoding="utf-8")
    call_command("verify_audit")
    err = capsys.readouterr().err
    assert "警告" in err and ("没有审计检查点文件" in err or "检查点文件为空" in err)
    call_command("verify_audit")  # the first run wrote one; now it holds silently
    assert capsys.readouterr().err == ""


def test_require_checkpoint_fails_when_there_was_none() -> None:
    with pytest.raises(CommandError, match="没有可用的检查点"):
        call_command("verify_audit", "--require-checkpoint")
    call_command("verify_audit", "--require-checkpoint")


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda line: "{not json", "无法读取"),
        (lambda line: line.replace('"seq": ', '"seq": 1'), "签名不正确"),
        (lambda line: json.dumps({"seq": 1}), "无法读取"),
    ],
)
def test_corrupt_or_altered_checkpoint_fails(corrupt, message: str) -> None:
    call_command("verify_audit")
    lines = checkpoint_file().read_text(encoding="utf-8").splitlines()
    checkpoint_file().write_text("\n".join([*lines[:-1], corrupt(lines[-1])]) + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("verify_audit")


def test_serve_starts_a_background_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    from dangjian.core import checkpoints

    started: list[list[str]] = []
    monkeypatch.setattr(checkpoints.subprocess, "Popen", lambda args: started.append(args))
    checkpoints.start_background_verification()
    assert started and started[0][-2:] == [
        str(checkpoints.settings.BASE_DIR / "manage.py"),
        "verify_audit",
    ]


def test_verify_audit_detects_a_truncated_tail_through_the_checkpoint() -> None:
    call_command("verify_audit", "--checkpoint")
    _delete_head()
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
        services.create_org(
            actor=SystemActor("tests"), parent=parent, kind="branch", code="CT02-ZB9", name="x"
        )
    assert not OrgNode.objects.filter(code="CT02-ZB9").exists()


def test_only_the_auditor_reads_and_exports_the_log(client_for, user) -> None:
    assert client_for("supervisor").get("/audit/").status_code == 403
    assert client_for("sysadmin").get("/audit/").status_code == 403
    account = user("auditor")
    auditor = login(Client(), account)
    page = auditor.get("/audit/?q=orgs.org.create")
    assert page.status_code == 200
    assert "orgs.org.create" in page.content.decode()
    exported = auditor.get("/audit/export/?q=orgs.org")
    body = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert f"导出人：{account.full_name}（auditor）" in body
    assert "orgs.org.create" in body
    assert AuditEntry.objects.filter(action="audit.export", actor_username="auditor").exists()
