"""The platform keyring: secrets kept outside the database and outside settings source.

Read from ``DANGJIAN_KEY_FILE`` (default ``var/keys.json``). Outside production the file is created
on first use with fresh random keys, so a new checkout runs without set-up; in production a missing
file is an error, because silently minting keys would orphan every encrypted field.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


class KeyringError(RuntimeError):
    pass


@dataclass(frozen=True)
class Keyring:
    secret_key: str
    audit_mac_key: bytes
    blind_index_key: bytes
    field_keys: dict[int, bytes]
    current_field_key_version: int


def _new_keyring_document() -> dict[str, object]:
    return {
        "secret_key": secrets.token_urlsafe(50),
        "audit_mac_key": secrets.token_hex(32),
        "blind_index_key": secrets.token_hex(32),
        "field_keys": {"1": secrets.token_hex(16)},
        "current_field_key_version": 1,
    }


def _parse(document: dict[str, object], source: str) -> Keyring:
    try:
        field_keys_raw = document["field_keys"]
        assert isinstance(field_keys_raw, dict)
        return Keyring(
            secret_key=str(document["secret_key"]),
            audit_mac_key=bytes.fromhex(str(document["audit_mac_key"])),
            blind_index_key=bytes.fromhex(str(document["blind_index_key"])),
            field_keys={int(k): bytes.fromhex(str(v)) for k, v in field_keys_raw.items()},
            current_field_key_version=int(str(document["current_field_key_version"])),
        )
    except (KeyError, ValueError, AssertionError) as exc:
        raise KeyringError(f"key file {source} is malformed: {exc}") from exc


def key_file_path(var_dir: Path) -> Path:
    return Path(os.environ.get("DANGJIAN_KEY_FILE", str(var_dir / "keys.json")))


def load_keyring(var_dir: Path, *, create: bool) -> Keyring:
    path = key_file_path(var_dir)
    if not path.exists():
        if not create:
            raise KeyringError(f"key file {path} does not exist; set DANGJIAN_KEY_FILE")
        path.parent.mkdir(parents=True, exist_ok=True)
        document = _new_keyring_document()
        # Create with 0600 atomically so the keys are never world-readable, even briefly.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2)
    with path.open(encoding="utf-8") as handle:
        return _parse(json.load(handle), str(path))
