"""National-algorithm cryptography (SM3, HMAC-SM3, SM4-GCM) behind one provider interface.

Everything that hashes, MACs or encrypts goes through here so that a hardware (HSM / 密码机)
provider can replace the software one without touching callers (GB/T 39786).
"""

from __future__ import annotations

import abc
import base64
import os
from collections.abc import Mapping
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NONCE_BYTES = 12
TAG_BYTES = 16
SM4_KEY_BYTES = 16
MIN_MAC_KEY_BYTES = 32


class CryptoError(ValueError):
    """Any failure to decrypt or configure; messages never contain plaintext or keys."""


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


@lru_cache(maxsize=16)
def _sm4(key: bytes) -> algorithms.SM4:
    # Building the algorithm object costs as much as encrypting a field; keys are few and fixed.
    return algorithms.SM4(key)


def sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    encryptor = Cipher(_sm4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return ciphertext, encryptor.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
    decryptor = Cipher(_sm4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(ciphertext) + decryptor.finalize()


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CryptoError("malformed ciphertext encoding") from exc


class CryptoProvider(abc.ABC):
    """What the application needs from cryptography, and nothing more."""

    @property
    @abc.abstractmethod
    def current_key_version(self) -> int: ...

    @abc.abstractmethod
    def mac(self, data: bytes) -> str:
        """HMAC-SM3 hex digest with the MAC key."""

    @abc.abstractmethod
    def encrypt_field(self, plaintext: str, *, context: str) -> str:
        """``v{version}:`` + base64url(nonce || ciphertext || tag); ``context`` is bound as AAD."""

    @abc.abstractmethod
    def decrypt_field(self, token: str, *, context: str) -> str: ...

    @abc.abstractmethod
    def blind_index(self, value: str, *, context: str) -> str:
        """Deterministic keyed digest for equality search and uniqueness."""

    def encrypt_blob(self, data: bytes, *, context: str) -> bytes:
        """Files (uploaded workbooks): the same scheme on bytes, without base64."""
        return f"v{self.current_key_version}:".encode() + self._seal(data, context)

    def decrypt_blob(self, blob: bytes, *, context: str) -> bytes:
        prefix, _, body = blob.partition(b":")
        return self._open(
            self.token_version(prefix.decode("ascii", "replace") + ":"), body, context
        )

    @abc.abstractmethod
    def _seal(self, data: bytes, context: str) -> bytes: ...

    @abc.abstractmethod
    def _open(self, version: int, body: bytes, context: str) -> bytes: ...

    def reencrypt_field(self, token: str, *, context: str) -> str:
        """Decrypt with whatever version the token names, encrypt with the current one."""
        return self.encrypt_field(self.decrypt_field(token, context=context), context=context)

    def token_version(self, token: str) -> int:
        prefix, _, _ = token.partition(":")
        if not prefix.startswith("v") or not prefix[1:].isdigit():
            raise CryptoError("ciphertext has no key version prefix")
        return int(prefix[1:])


def normalise_for_index(value: str) -> str:
    # ID numbers end in x or X interchangeably; whitespace around pasted values is noise.
    return value.strip().upper()


class SoftwareCryptoProvider(CryptoProvider):
    def __init__(
        self,
        *,
        mac_key: bytes,
        blind_index_key: bytes,
        field_keys: Mapping[int, bytes],
        current_version: int,
    ) -> None:
        if len(mac_key) < MIN_MAC_KEY_BYTES or len(blind_index_key) < MIN_MAC_KEY_BYTES:
            raise CryptoError(f"MAC keys must be at least {MIN_MAC_KEY_BYTES} bytes")
        if current_version not in field_keys:
            raise CryptoError(f"no field key for the current version {current_version}")
        for version, key in field_keys.items():
            if len(key) != SM4_KEY_BYTES:
                raise CryptoError(f"SM4 key version {version} must be {SM4_KEY_BYTES} bytes")
        self._mac_key = mac_key
        self._index_key = blind_index_key
        self._field_keys = dict(field_keys)
        self._current = current_version

    @property
    def current_key_version(self) -> int:
        return self._current

    def mac(self, data: bytes) -> str:
        return hmac_sm3(self._mac_key, data).hex()

    def _seal(self, data: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        ciphertext, tag = sm4_gcm_encrypt(
            self._field_keys[self._current], nonce, data, context.encode()
        )
        return nonce + ciphertext + tag

    def _open(self, version: int, raw: bytes, context: str) -> bytes:
        key = self._field_keys.get(version)
        if key is None:
            raise CryptoError(f"unknown key version {version}")
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise CryptoError("ciphertext too short")
        nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        try:
            return sm4_gcm_decrypt(key, nonce, body, tag, context.encode())
        except InvalidTag as exc:
            raise CryptoError("ciphertext failed authentication") from exc

    def encrypt_field(self, plaintext: str, *, context: str) -> str:
        sealed = self._seal(plaintext.encode("utf-8"), context)
        return f"v{self._current}:{_b64encode(sealed)}"

    def decrypt_field(self, token: str, *, context: str) -> str:
        version = self.token_version(token)
        raw = _b64decode(token.partition(":")[2])
        return self._open(version, raw, context).decode("utf-8")

    def blind_index(self, value: str, *, context: str) -> str:
        message = f"{context}\x00{normalise_for_index(value)}".encode()
        return hmac_sm3(self._index_key, message).hex()
