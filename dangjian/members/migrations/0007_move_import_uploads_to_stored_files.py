"""Existing import uploads become stored files (ADR 0013).

Each legacy blob (``MEDIA_ROOT/imports/<hex>.bin``, encrypted under the old upload context) is
decrypted, digested, re-encrypted under its stored file's own context and written through the
stored-file storage; the job then points at it. The legacy files are deleted once the migration
has committed. A job whose file is already gone (or no longer decrypts) keeps no upload, and a
retry asks for the file again, as after the retention purge. One audit entry records the move.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import migrations, transaction

LEGACY_CONTEXT = "members.import.upload"
PURPOSE = "members.import_workbook"


def move_upload(stored_file_model: Any, job: dict[str, Any]) -> tuple[Any, Path] | None:
    """The stored file made from one legacy upload and the legacy path to delete afterwards."""
    from dangjian.core.crypto import CryptoError, sm3_hex
    from dangjian.core.files.models import encryption_context, storage_name
    from dangjian.core.files.rules import sniff
    from dangjian.core.files.services import file_storage
    from dangjian.core.provider import crypto

    legacy = Path(settings.MEDIA_ROOT) / job["stored_path"]
    try:
        data = crypto().decrypt_blob(legacy.read_bytes(), context=LEGACY_CONTEXT)
    except (OSError, CryptoError):
        return None
    key = uuid.uuid4()
    blob = crypto().encrypt_blob(data, context=encryption_context(PURPOSE, key))
    name = file_storage().save(storage_name(PURPOSE, key), ContentFile(blob))
    stored = stored_file_model.objects.create(
        key=key,
        purpose=PURPOSE,
        org_id=job["org_id"],
        uploaded_by_id=job["created_by_id"],
        original_name=job["original_name"][:200],
        content_type=sniff(data).content_type or "application/octet-stream",
        size=len(data),
        sm3=sm3_hex(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=name,
        key_version=crypto().current_key_version,
        created_at=job["created_at"],
    )
    return stored, legacy


def forwards(apps: Any, schema_editor: Any) -> None:
    import_job = apps.get_model("members", "ImportJob")
    stored_file = apps.get_model("core", "StoredFile")
    legacy_jobs = (
        import_job.objects.filter(upload__isnull=True)
        .exclude(stored_path="")
        .values("pk", "org_id", "created_by_id", "original_name", "created_at", "stored_path")
    )
    moved: list[int] = []
    delete_after: list[Path] = []
    for job in legacy_jobs.iterator():
        result = move_upload(stored_file, job)
        if result is None:
            continue
        stored, legacy = result
        import_job.objects.filter(pk=job["pk"]).update(upload_id=stored.pk)
        moved.append(job["pk"])
        delete_after.append(legacy)
    if not moved:
        return
    from dangjian.core import audit
    from dangjian.core.actors import SystemActor

    audit.record(
        "files.migrated",
        actor=SystemActor("migration"),
        object_repr=f"导入文件迁入文件存储 {len(moved)} 个",
        changes={"purpose": PURPOSE, "jobs": moved},
    )

    def delete_legacy() -> None:
        for path in delete_after:
            path.unlink(missing_ok=True)
            path.with_suffix(".progress").unlink(missing_ok=True)

    transaction.on_commit(delete_legacy, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("members", "0006_importjob_upload")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
