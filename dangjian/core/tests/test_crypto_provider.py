"""Known-answer tests (GB/T 32905 SM3, GB/T 32907 SM4, RFC 8998 SM4-GCM) and provider behaviour."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.crypto import (
    CryptoError,
    SoftwareCryptoProvider,
    hmac_sm3,
    sm3_hex,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)


def test_sm3_known_answers() -> None:
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert (
        sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sm4_block_known_answer() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 (the standard single-block vector)
    assert encryptor.update(key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gcm_rfc8998_vector() -> None:
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    ciphertext, tag = sm4_gcm_encrypt(key, nonce, plaintext, aad)
    assert ciphertext.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    assert tag.hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"
    assert sm4_gcm_decrypt(key, nonce, ciphertext, tag, aad) == plaintext


def _manual_hmac_sm3(key: bytes, message: bytes) -> bytes:
    block = 64
    if len(key) > block:
        key = bytes.fromhex(sm3_hex(key))
    key = key.ljust(block, b"\0")
    inner = bytes.fromhex(sm3_hex(bytes(k ^ 0x36 for k in key) + message))
    return bytes.fromhex(sm3_hex(bytes(k ^ 0x5C for k in key) + inner))


@pytest.mark.parametrize("key", [b"short key", bytes(range(100))])
def test_hmac_sm3_matches_rfc2104_construction(key: bytes) -> None:
    assert hmac_sm3(key, b"message") == _manual_hmac_sm3(key, b"message")


def _provider(
    versions: dict[int, bytes] | None = None, current: int = 1, index_key: bytes = b"i" * 32
) -> SoftwareCryptoProvider:
    return SoftwareCryptoProvider(
        mac_key=b"m" * 32,
        blind_index_key=index_key,
        field_keys=versions or {1: b"k" * 16},
        current_version=current,
    )


def test_round_trip_and_randomised_nonce() -> None:
    p = _provider()
    a = p.encrypt_field("330102199001011234", context="members.member.id_number")
    b = p.encrypt_field("330102199001011234", context="members.member.id_number")
    assert a != b and a.startswith("v1:")
    assert p.decrypt_field(a, context="members.member.id_number") == "330102199001011234"
    assert p.decrypt_field(p.encrypt_field("", context="c"), context="c") == ""


def test_wrong_context_tampering_and_unknown_version_fail() -> None:
    p = _provider()
    token = p.encrypt_field("秘密", context="a")
    with pytest.raises(CryptoError):
        p.decrypt_field(token, context="b")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(CryptoError):
        p.decrypt_field(flipped, context="a")
    with pytest.raises(CryptoError):
        p.decrypt_field("v9:" + token[3:], context="a")
    with pytest.raises(CryptoError):
        p.decrypt_field("garbage", context="a")


def test_rotation_reencrypts_under_the_new_version() -> None:
    old = _provider({1: b"k" * 16})
    token = old.encrypt_field("13800000000", context="phone")
    new = _provider({1: b"k" * 16, 2: b"n" * 16}, current=2)
    assert new.decrypt_field(token, context="phone") == "13800000000"
    rotated = new.reencrypt_field(token, context="phone")
    assert rotated.startswith("v2:")
    assert new.decrypt_field(rotated, context="phone") == "13800000000"


def test_blind_index_is_deterministic_and_keyed() -> None:
    p = _provider()
    assert p.blind_index("11010519491231002x", context="id") == p.blind_index(
        " 11010519491231002X", context="id"
    )
    assert p.blind_index("1", context="id") != p.blind_index("1", context="other")
    assert p.blind_index("1", context="id") != _provider(index_key=b"j" * 32).blind_index(
        "1", context="id"
    )
    assert p.blind_index("1", context="id") != hashlib.sha256(b"1").hexdigest()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mac_key": b"short"},
        {"field_keys": {1: b"too short"}},
        {"current_version": 2},
    ],
)
def test_bad_keys_are_refused(kwargs) -> None:
    values = {
        "mac_key": b"m" * 32,
        "blind_index_key": b"i" * 32,
        "field_keys": {1: b"k" * 16},
        "current_version": 1,
        **kwargs,
    }
    with pytest.raises(CryptoError):
        SoftwareCryptoProvider(**values)


@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    p = _provider()
    assert p.decrypt_field(p.encrypt_field(text, context="t"), context="t") == text


def test_blob_round_trip_binds_context() -> None:
    p = _provider()
    blob = p.encrypt_blob(b"PK\x03\x04 workbook bytes", context="members.import")
    assert blob.startswith(b"v1:") and b"workbook" not in blob
    assert p.decrypt_blob(blob, context="members.import") == b"PK\x03\x04 workbook bytes"
    with pytest.raises(CryptoError):
        p.decrypt_blob(blob, context="other")
