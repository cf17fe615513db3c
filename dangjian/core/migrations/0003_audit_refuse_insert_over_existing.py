"""Refuse an INSERT that would land on an existing audit entry.

SQLite's ``REPLACE INTO`` / ``INSERT OR REPLACE`` resolves the primary-key conflict by deleting
the old row without firing DELETE triggers (unless ``recursive_triggers`` is on), so the
UPDATE/DELETE triggers of 0002 never see it; ``INSERT ... ON CONFLICT DO UPDATE`` is an upsert.
A BEFORE INSERT trigger runs before conflict resolution on both databases, so refusing any insert
whose ``seq`` already exists stops every form of it. (PostgreSQL's upsert would also hit the
UPDATE trigger; the insert trigger gives both databases the same answer.)
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_replace BEFORE INSERT ON core_auditentry
       WHEN EXISTS (SELECT 1 FROM core_auditentry WHERE seq = NEW.seq)
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only: REPLACE/upsert refused'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS core_auditentry_no_replace"]
PG_UP = [
    """CREATE OR REPLACE FUNCTION core_auditentry_refuse_existing() RETURNS trigger AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM core_auditentry WHERE seq = NEW.seq) THEN
           RAISE EXCEPTION 'audit log is append-only: REPLACE/upsert refused'
             USING ERRCODE = 'insufficient_privilege';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditentry_no_replace BEFORE INSERT ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse_existing()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_replace ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_refuse_existing()",
]


def apply(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_triggers")]

    operations = [
        migrations.RunPython(
            apply({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            apply({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
