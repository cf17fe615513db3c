"""An update touches only what changed: an encrypted field the caller did not supply keeps its
ciphertext and blind index byte for byte, and is neither decrypted nor encrypted again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.actors import SystemActor
from dangjian.core.crypto import SoftwareCryptoProvider
from dangjian.members import services
from dangjian.members.models import Member
from dangjian.members.tests.factories import make_member
from dangjian.members.tests.helpers import data

TESTS = SystemActor("tests")
pytestmark = pytest.mark.django_db

ID_COLUMNS = ("id_number_enc", "id_number_index", "id_number_masked", "birth_date", "gender")


def _stored(member: Member, columns: tuple[str, ...]) -> dict[str, Any]:
    return dict(Member.objects.filter(pk=member.pk).values(*columns).get())


@contextmanager
def _nothing_decrypted() -> Iterator[None]:
    with mock.patch.object(
        SoftwareCryptoProvider, "decrypt_field", side_effect=AssertionError("decrypted")
    ):
        yield


@contextmanager
def _member_updates() -> Iterator[list[str]]:
    """The UPDATE statements sent for members, as SQL text."""
    table = Member._meta.db_table
    statements: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield statements
    statements.extend(
        q["sql"] for q in captured.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')
    )


def _with_phone(org: Any) -> Member:
    return make_member(org("CT01-ZB1"), phone="13912345678")


def test_service_update_of_the_phone_leaves_the_id_ciphertext_alone(org) -> None:
    member = _with_phone(org)
    before = _stored(member, (*ID_COLUMNS, "phone_enc"))
    change = data(
        name=member.name, id_number="", phone="13800001111", keep=frozenset({"id_number"})
    )
    with _nothing_decrypted(), _member_updates() as updates:
        services.update_member(member, actor=TESTS, expected_version=member.version, data=change)
    after = _stored(member, (*ID_COLUMNS, "phone_enc", "phone_masked"))
    assert {c: after[c] for c in ID_COLUMNS} == {c: before[c] for c in ID_COLUMNS}
    assert after["phone_enc"] != before["phone_enc"] and after["phone_masked"] == "138****1111"
    assert services.decrypt_phone(Member.objects.get(pk=member.pk)) == "13800001111"
    [update] = updates
    assert "phone_enc" in update and "id_number" not in update and '"name"' not in update


def test_retyping_the_same_id_number_keeps_its_ciphertext(org) -> None:
    member = _with_phone(org)
    clear = services.decrypt_id(member)
    before = _stored(member, (*ID_COLUMNS, "phone_enc"))
    retyped = data(
        name=member.name, id_number=clear.lower(), post="新岗位", keep=frozenset({"phone"})
    )
    with _member_updates() as updates:
        services.update_member(member, actor=TESTS, expected_version=member.version, data=retyped)
    assert _stored(member, (*ID_COLUMNS, "phone_enc")) == before
    [update] = updates
    assert '"post"' in update and "id_number" not in update and "phone" not in update


def test_changing_the_id_number_rewrites_all_of_its_columns(org) -> None:
    member = _with_phone(org)
    before = _stored(member, (*ID_COLUMNS, "phone_enc"))
    new = data(name=member.name, keep=frozenset({"phone"}))
    services.update_member(member, actor=TESTS, expected_version=member.version, data=new)
    after = _stored(member, (*ID_COLUMNS, "phone_enc"))
    assert after["phone_enc"] == before["phone_enc"]
    assert after["id_number_enc"] != before["id_number_enc"]
    assert after["id_number_index"] == services.id_index(new.id_number)
    assert services.decrypt_id(Member.objects.get(pk=member.pk)) == new.id_number


def test_kept_id_still_bounds_the_admission_age(org) -> None:
    from django.core.exceptions import ValidationError

    member = make_member(org("CT01-ZB1"))  # born 1990-05-17
    too_young = data(
        name=member.name,
        id_number="",
        admitted_on=member.birth_date.replace(year=member.birth_date.year + 17),
        full_on=None,
        status="probationary",
        keep=frozenset({"id_number", "phone"}),
    )
    with pytest.raises(ValidationError) as caught:
        services.update_member(member, actor=TESTS, expected_version=member.version, data=too_young)
    assert "未满18周岁" in caught.value.message_dict["admitted_on"][0]


def test_api_patch_of_the_phone_reads_and_rewrites_nothing_else(client_for, org) -> None:
    member = _with_phone(org)
    before = _stored(member, (*ID_COLUMNS, "phone_enc", "name", "post"))
    client = client_for("secretary1")
    with _nothing_decrypted(), _member_updates() as updates:
        response = client.patch(
            f"/api/members/{member.pk}/",
            {"phone": "13800002222", "version": member.version},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "138****2222"
    after = _stored(member, (*ID_COLUMNS, "phone_enc", "name", "post"))
    assert after["phone_enc"] != before["phone_enc"]
    assert {k: v for k, v in after.items() if k != "phone_enc"} == {
        k: v for k, v in before.items() if k != "phone_enc"
    }
    assert all("id_number" not in sql for sql in updates)


def test_api_patch_echoing_the_stored_phone_keeps_its_ciphertext(client_for, org) -> None:
    member = _with_phone(org)
    before = _stored(member, (*ID_COLUMNS, "phone_enc", "phone_masked"))
    with _member_updates() as updates:
        response = client_for("secretary1").patch(
            f"/api/members/{member.pk}/",
            {"phone": "13912345678", "post": "办公室", "version": member.version},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert _stored(member, (*ID_COLUMNS, "phone_enc", "phone_masked")) == before
    assert updates and all("phone_enc" not in sql for sql in updates)


def test_a_phone_with_the_same_mask_but_another_number_is_written(org) -> None:
    member = _with_phone(org)
    before = _stored(member, ("phone_enc",))
    changed = services.changed_values(
        member, data(id_number=services.decrypt_id(member), phone="13900005678")
    )
    assert changed["phone_masked"] == "139****5678" and changed["phone_enc"] != before["phone_enc"]
    assert services.decrypt_phone(Member(phone_enc=changed["phone_enc"])) == "13900005678"


def test_api_patch_of_the_status_keeps_both_ciphertexts(client_for, org) -> None:
    member = _with_phone(org)
    before = _stored(member, (*ID_COLUMNS, "phone_enc"))
    with _nothing_decrypted():
        response = client_for("secretary1").patch(
            f"/api/members/{member.pk}/",
            {"post": "办公室", "version": member.version},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert _stored(member, (*ID_COLUMNS, "phone_enc")) == before


def test_edit_page_with_id_left_blank_changes_only_the_phone(client_for, org) -> None:
    member = _with_phone(org)
    before = _stored(member, ID_COLUMNS)
    form = {
        "name": member.name,
        "id_number": "",
        "status": member.status,
        "ethnicity": member.ethnicity,
        "phone": "13800003333",
        "admitted_on": member.admitted_on,
        "full_on": member.full_on,
        "version": member.version,
    }
    with _nothing_decrypted():
        response = client_for("secretary1").post(f"/members/{member.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _stored(member, ID_COLUMNS) == before
    assert services.decrypt_phone(Member.objects.get(pk=member.pk)) == "13800003333"


def test_edit_page_with_both_numbers_blank_keeps_both(client_for, org) -> None:
    member = _with_phone(org)
    before = _stored(member, (*ID_COLUMNS, "phone_enc", "phone_masked"))
    form = {
        "name": "改名",
        "id_number": "",
        "status": member.status,
        "ethnicity": member.ethnicity,
        "phone": "",
        "admitted_on": member.admitted_on,
        "full_on": member.full_on,
        "version": member.version,
    }
    with _nothing_decrypted():
        response = client_for("secretary1").post(f"/members/{member.pk}/edit/", form)
    assert response.status_code == 302
    assert _stored(member, (*ID_COLUMNS, "phone_enc", "phone_masked")) == before
    assert Member.objects.get(pk=member.pk).name == "改名"
