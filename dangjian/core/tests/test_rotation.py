from __future__ import annotations

import json
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command

from dangjian.core import provider
from dangjian.core.keys import load_keyring
from dangjian.members import services
from dangjian.members.models import Member

pytestmark = pytest.mark.django_db


def test_rotation_reencrypts_everything_and_old_backups_still_decrypt(
    tmp_path, monkeypatch, capsys
) -> None:
    key_file = tmp_path / "keys.json"
    shutil.copy(settings.VAR_DIR / "keys.json", key_file)
    monkeypatch.setenv("DANGJIAN_KEY_FILE", str(key_file))
    original = settings.KEYRING
    member = Member.objects.exclude(phone_enc="").first()
    assert member is not None
    clear_id, clear_phone = services.decrypt_id(member), services.decrypt_phone(member)
    try:
        call_command("rotate_field_key")
        document = json.loads(key_file.read_text())
        assert document["current_field_key_version"] == 2 and set(document["field_keys"]) == {
            "1",
            "2",
        }
        member.refresh_from_db()
        assert member.id_number_enc.startswith("v2:") and member.phone_enc.startswith("v2:")
        assert services.decrypt_id(member) == clear_id
        assert services.decrypt_phone(member) == clear_phone
        capsys.readouterr()
        call_command("rotate_field_key", "--verify")
        census = capsys.readouterr().out
        assert ":v1" not in census and "members.member.id_number_enc:v2" in census
        assert load_keyring(settings.VAR_DIR, create=False).field_keys  # file still parses
    finally:
        settings.KEYRING = original
        provider.reset()
