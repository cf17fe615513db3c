"""Field-key rotation: add a new SM4 key version, then re-encrypt every encrypted column.

Old versions stay in the key file so a half-finished rotation (or an old backup) still decrypts;
they can be removed once `rotate_field_key --verify` reports no ciphertext left under them.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction

from dangjian.core import audit, provider
from dangjian.core.actors import SystemActor
from dangjian.core.crypto import SoftwareCryptoProvider
from dangjian.core.keys import key_file_path, load_keyring


def encrypted_columns() -> Iterator[tuple[Any, str, str]]:
    """(model, field, context) for every model that declares ``ENCRYPTED_FIELDS``."""
    for model in apps.get_models():
        for field, context in getattr(model, "ENCRYPTED_FIELDS", {}).items():
            yield model, field, context


def add_key_version(path: Path) -> int:
    document = json.loads(path.read_text(encoding="utf-8"))
    version = max(int(v) for v in document["field_keys"]) + 1
    document["field_keys"][str(version)] = secrets.token_hex(16)
    document["current_field_key_version"] = version
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    os.replace(temporary, path)  # atomic: the key file is never half written
    return version


def version_census() -> Counter[str]:
    census: Counter[str] = Counter()
    for model, field, _ in encrypted_columns():
        for token in model.objects.exclude(**{field: ""}).values_list(field, flat=True).iterator():
            census[f"{model._meta.label_lower}.{field}:{token.partition(':')[0]}"] += 1
    return census


def rotate(*, batch: int = 1000) -> dict[str, int]:
    path = key_file_path(Path(settings.VAR_DIR))
    version = add_key_version(path)
    keyring = load_keyring(Path(settings.VAR_DIR), create=False)
    settings.KEYRING = keyring
    provider.reset()
    crypto = provider.crypto()
    assert isinstance(crypto, SoftwareCryptoProvider)
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, field, context in encrypted_columns():
            changed = 0
            rows = model.objects.exclude(**{field: ""}).only("pk", field).order_by("pk")
            pending = []
            for row in rows.iterator(chunk_size=batch):
                token = getattr(row, field)
                if crypto.token_version(token) != version:
                    setattr(row, field, crypto.reencrypt_field(token, context=context))
                    pending.append(row)
                if len(pending) >= batch:
                    model.objects.bulk_update(pending, [field])
                    changed, pending = changed + len(pending), []
            if pending:
                model.objects.bulk_update(pending, [field])
                changed += len(pending)
            counts[f"{model._meta.label_lower}.{field}"] = changed
        audit.record(
            "system.field_key.rotate",
            actor=SystemActor("rotate_field_key"),
            changes={"version": version, "rewritten": counts},
        )
    return {"version": version, **counts}
