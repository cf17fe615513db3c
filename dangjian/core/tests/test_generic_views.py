"""The generic scoped views themselves (ADR 0022), on pages declared in ``generic_pages``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dangjian.accounts.tests.factories import make_account
from dangjian.core.denials import DENIED
from dangjian.core.models import AuditEntry
from dangjian.core.tests.generic_pages import NO_CARD, REFUSED
from dangjian.orgs.models import OrgNode
from dangjian.orgs.tests.factories import a_party_committee, make_party_org
from dangjian.testkit.clients import login

pytestmark = [pytest.mark.django_db, pytest.mark.urls("dangjian.core.tests.generic_pages")]

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _test_templates(settings: Any) -> None:
    engine = settings.TEMPLATES[0]
    here = Path(__file__).parent / "templates"
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], here]}]


@pytest.fixture
def branches() -> tuple[OrgNode, OrgNode]:
    committee = a_party_committee()
    return make_party_org(committee), make_party_org(committee)


def _client(role: str, node: OrgNode) -> Client:
    return login(Client(), make_account(role=role, node=node))


def _denials() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=DENIED).order_by("seq"))


def test_out_of_scope_object_is_a_404_and_the_probe_is_recorded(branches) -> None:
    mine, other = branches
    client = _client("secretary", mine)
    before = len(_denials())
    for url in (f"/generic-test/{other.pk}/", f"/generic-test/{other.pk}/rename/"):
        assert client.get(url).status_code == 404
    response = client.post(f"/generic-test/{other.pk}/clear/")
    assert response.status_code == 404
    written = _denials()[before:]
    assert len(written) == 3
    assert {(e.changes["object_type"], e.changes["object_id"]) for e in written} == {
        ("orgs.orgnode", str(other.pk))
    }
    assert client.get("/generic-test/99999999/").status_code == 404
    assert len(_denials()) == before + 3  # a missing row is no probe


def test_role_without_the_action_is_a_403_with_a_denial(branches) -> None:
    mine, _ = branches
    client = _client("observer", mine)
    assert client.get(f"/generic-test/{mine.pk}/").status_code == 200  # may read
    before = len(_denials())
    assert client.get(f"/generic-test/{mine.pk}/rename/").status_code == 403
    assert client.post(f"/generic-test/{mine.pk}/clear/").status_code == 403
    written = _denials()[before:]
    assert [e.changes["action"] for e in written] == ["org.change", "org.change"]


def test_signed_out_visitor_is_sent_to_login(branches) -> None:
    mine, _ = branches
    response = Client().get(f"/generic-test/{mine.pk}/rename/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_invalid_form_re_renders_with_the_field_error_and_writes_nothing(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    before = AuditEntry.objects.count()
    response = client.post(f"/generic-test/{mine.pk}/rename/", {"short_name": "一二三四五六"})
    assert response.status_code == 200
    assert "简称：" in response.content.decode()
    assert response.context["form"].errors["short_name"]
    mine.refresh_from_db()
    assert mine.short_name == "" and AuditEntry.objects.count() == before


def test_service_refusal_lands_on_the_field_and_writes_nothing(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    before = AuditEntry.objects.count()
    response = client.post(f"/generic-test/{mine.pk}/rename/", {"short_name": REFUSED})
    assert response.status_code == 200
    assert response.context["form"].errors == {"short_name": ["该简称已被占用"]}
    assert "简称：该简称已被占用" in response.content.decode()
    mine.refresh_from_db()
    assert mine.short_name == "" and AuditEntry.objects.count() == before


def test_success_redirects_with_the_message(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    page = client.get(f"/generic-test/{mine.pk}/rename/")
    assert page.status_code == 200 and "修改简称" in page.content.decode()
    response = client.post(f"/generic-test/{mine.pk}/rename/", {"short_name": "一支部"})
    assert response.status_code == 302 and response["Location"] == f"/orgs/{mine.pk}/"
    assert [m.message for m in get_messages(response.wsgi_request)] == ["已修改简称"]
    mine.refresh_from_db()
    assert mine.short_name == "一支部"
    assert AuditEntry.objects.filter(action="test.rename", object_id=str(mine.pk)).count() == 1


def test_htmx_submit_answers_with_hx_location(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    response = client.post(
        f"/generic-test/{mine.pk}/rename/", {"short_name": "一支部"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Location" not in response
    assert json.loads(response["HX-Location"]) == {"path": f"/orgs/{mine.pk}/"}
    mine.refresh_from_db()
    assert mine.short_name == "一支部"


def test_success_response_may_render_a_result_page_instead_of_redirecting(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    response = client.post(f"/generic-test/{mine.pk}/rename-shown/", {"short_name": "一支部"})
    assert response.status_code == 200 and "Location" not in response
    assert response.context["node"].short_name == "一支部"
    assert list(get_messages(response.wsgi_request)) == []
    refused = client.post(f"/generic-test/{mine.pk}/rename-shown/", {"short_name": REFUSED})
    assert refused.status_code == 200
    assert refused.context["form"].errors == {"short_name": ["该简称已被占用"]}


def test_confirm_asks_on_get_and_acts_on_post(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    client.post(f"/generic-test/{mine.pk}/rename/", {"short_name": "一支部"})
    page = client.get(f"/generic-test/{mine.pk}/clear/")
    assert page.status_code == 200 and "确定清除简称吗？" in page.content.decode()
    mine.refresh_from_db()
    assert mine.short_name == "一支部"  # asking changes nothing
    response = client.post(f"/generic-test/{mine.pk}/clear/")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{mine.pk}/"
    mine.refresh_from_db()
    assert mine.short_name == ""


def test_confirm_may_answer_with_its_own_response(branches) -> None:
    mine, other = branches
    client = _client("secretary", mine)
    client.post(f"/generic-test/{mine.pk}/rename/", {"short_name": "一支部"})
    response = client.post(f"/generic-test/{mine.pk}/clear-shown/")
    assert response.status_code == 200 and response.content.decode() == f"已清除：{mine.code}"
    mine.refresh_from_db()
    assert mine.short_name == ""
    assert client.post(f"/generic-test/{other.pk}/clear-shown/").status_code == 404


def test_list_shows_only_rows_in_scope_filtered_and_paginated(branches) -> None:
    mine, other = branches
    below = [make_party_org(mine, kind="party_group") for _ in range(6)]
    client = _client("secretary", mine)
    page = client.get("/generic-test/")
    body = page.content.decode()
    assert page.status_code == 200 and "<h1>组织列表</h1>" in body
    assert mine.code in body and other.code not in body
    assert page.context["page"].paginator.count == 1 + len(below)
    filtered = client.get("/generic-test/", {"search": below[0].code})
    assert [n.pk for n in filtered.context["page"]] == [below[0].pk]
    bad = client.get("/generic-test/", {"parent": "x"})
    assert bad.status_code == 200 and bad.context["page"].paginator.count == 0


def test_role_gated_list_lists_every_row_once_the_role_allows(branches) -> None:
    """``tree_scoped = False``: no tree scope, but the role check and its denial entry stay."""
    mine, other = branches
    page = _client("secretary", mine).get("/generic-test/every/", {"search": other.code})
    assert page.status_code == 200 and [n.pk for n in page.context["page"]] == [other.pk]
    before = len(_denials())
    assert _client("observer", mine).get("/generic-test/every/").status_code == 403
    assert [e.changes["action"] for e in _denials()[before:]] == ["org.change"]


def test_htmx_list_request_renders_only_the_table(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    response = client.get("/generic-test/", {"page": "1"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<table id="rows">') and mine.code in body
    assert "<html" not in body and "<h1>" not in body


def test_org_tree_search_and_the_api_filter_alike_and_htmx_gets_the_table(branches) -> None:
    mine, _ = branches
    below = make_party_org(mine, kind="party_group")
    client = _client("secretary", mine)
    page = client.get("/orgs/", {"q": below.code})
    api = client.get("/api/orgs/", {"search": below.code})
    assert [n.pk for n in page.context["page"]] == [row["id"] for row in api.json()["results"]]
    assert [n.pk for n in page.context["page"]] == [below.pk]
    partial = client.get("/orgs/", {"q": below.code}, headers=HTMX)
    body = partial.content.decode()
    assert body.lstrip().startswith('<div class="table-responsive">') and below.code in body
    assert "<html" not in body and "组织体系" not in body


def _note(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("note.txt", text.encode(), content_type="text/plain")


def test_a_file_field_binds_the_upload_and_the_service_reads_it(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    page = client.get(f"/generic-test/{mine.pk}/upload/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    response = client.post(f"/generic-test/{mine.pk}/upload/", {"note": _note("一支部")})
    assert response.status_code == 302 and response["Location"] == f"/orgs/{mine.pk}/"
    mine.refresh_from_db()
    assert mine.short_name == "一支部"


def test_an_upload_refused_by_the_service_lands_on_the_file_field(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    before = AuditEntry.objects.count()
    refused = client.post(f"/generic-test/{mine.pk}/upload/", {"note": _note(REFUSED)})
    assert refused.status_code == 200
    assert refused.context["form"].errors == {"note": ["该简称已被占用"]}  # via errors_as
    missing = client.post(f"/generic-test/{mine.pk}/upload/", {"other": "x"})
    assert missing.status_code == 200 and list(missing.context["form"].errors) == ["note"]
    mine.refresh_from_db()
    assert mine.short_name == "" and AuditEntry.objects.count() == before


def test_a_form_without_file_fields_is_not_multipart(branches) -> None:
    mine, _ = branches
    page = _client("secretary", mine).get(f"/generic-test/{mine.pk}/rename/").content.decode()
    assert "<form" in page and "multipart/form-data" not in page


def test_a_role_gated_detail_finds_any_row_once_the_role_allows(branches) -> None:
    """``tree_scoped = False`` on an object page: no tree scope, the role check stays."""
    mine, other = branches
    page = _client("secretary", mine).get(f"/generic-test/{other.pk}/any/")
    assert page.status_code == 200 and page.context["node"] == other
    before = len(_denials())
    assert _client("observer", mine).get(f"/generic-test/{other.pk}/any/").status_code == 403
    assert [e.changes["action"] for e in _denials()[before:]] == ["org.change"]
    missing = _client("secretary", mine).get("/generic-test/99999999/any/")
    assert missing.status_code == 404 and len(_denials()) == before + 1


def test_a_download_in_scope_is_an_attachment(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    client.post(f"/generic-test/{mine.pk}/rename/", {"short_name": "一支部"})
    response = client.get(f"/generic-test/{mine.pk}/card/")
    assert response.status_code == 200
    assert response.content.decode() == f"{mine.code} 一支部"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    name = f"{mine.code}-%E5%90%8D%E7%89%87.txt"  # 名片, percent-encoded
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{name}"


def test_a_streamed_download_has_the_same_headers_and_refusals(branches) -> None:
    mine, other = branches
    client = _client("secretary", mine)
    refused = client.get(f"/generic-test/{mine.pk}/card-streamed/")
    assert refused.status_code == 302 and refused["Location"] == f"/orgs/{mine.pk}/"
    assert [m.message for m in get_messages(refused.wsgi_request)] == [NO_CARD]
    client.post(f"/generic-test/{mine.pk}/rename/", {"short_name": "一支部"})
    response = client.get(f"/generic-test/{mine.pk}/card-streamed/")
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content).decode() == f"{mine.code}\n一支部"  # type: ignore[attr-defined]
    assert response["X-Content-Type-Options"] == "nosniff"
    name = f"{mine.code}-%E5%90%8D%E7%89%87.txt"
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{name}"
    before = len(_denials())
    assert client.get(f"/generic-test/{other.pk}/card-streamed/").status_code == 404
    assert len(_denials()) == before + 1


def test_a_download_out_of_scope_is_a_404_with_a_denial_and_without_the_role_a_403(
    branches,
) -> None:
    mine, other = branches
    OrgNode.objects.filter(pk=other.pk).update(short_name="二支部")
    before = len(_denials())
    assert _client("secretary", mine).get(f"/generic-test/{other.pk}/card/").status_code == 404
    written = _denials()[before:]
    assert [(e.changes["object_type"], e.changes["object_id"]) for e in written] == [
        ("orgs.orgnode", str(other.pk))
    ]
    observer = _client("observer", mine)
    assert observer.get("/generic-test/codes/").status_code == 403
    assert [e.changes["action"] for e in _denials()[before + 1 :]] == ["org.change"]
    anonymous = Client().get(f"/generic-test/{mine.pk}/card/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_a_download_about_no_object_follows_the_accounts_scope(branches) -> None:
    mine, other = branches
    response = _client("secretary", mine).get("/generic-test/codes/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    codes = response.content.decode().split("\n")
    assert mine.code in codes and other.code not in codes


def test_a_refused_download_is_a_message_on_the_error_page(branches) -> None:
    mine, _ = branches
    client = _client("secretary", mine)
    before = AuditEntry.objects.count()
    response = client.get(f"/generic-test/{mine.pk}/card/")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{mine.pk}/"
    assert "Content-Disposition" not in response
    assert [m.message for m in get_messages(response.wsgi_request)] == [NO_CARD]
    assert AuditEntry.objects.count() == before
