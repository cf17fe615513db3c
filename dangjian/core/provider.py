"""The process-wide crypto provider, built from the keyring outside the database."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from dangjian.core.crypto import CryptoProvider, SoftwareCryptoProvider


@lru_cache(maxsize=1)
def crypto() -> CryptoProvider:
    keyring = settings.KEYRING
    return SoftwareCryptoProvider(
        mac_key=keyring.audit_mac_key,
        blind_index_key=keyring.blind_index_key,
        field_keys=keyring.field_keys,
        current_version=keyring.current_field_key_version,
    )


def reset() -> None:
    """Forget the cached provider (after a key rotation rewrote the key file)."""
    crypto.cache_clear()
