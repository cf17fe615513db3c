"""``/api/orgs/``: shape, filters, pagination, token auth, errors naming fields."""

from __future__ import annotations

import pytest
from django.test import Client

from dangjian.accounts import services as account_services
from dangjian.core.models import AuditEntry
from dangjian.demo.builder import make_credit_code
from dangjian.orgs.models import OrgNode

pytestmark = pytest.mark.django_db


def test_list_is_paginated_with_the_documented_fields(client_for) -> None:
    body = client_for("supervisor").get("/api/orgs/?page_size=10").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == OrgNode.objects.count()
    assert len(body["results"]) == 10 and "page_size=10" in body["next"]
    first = body["results"][0]
    assert {"id", "code", "kind", "name", "parent"} <= set(first)
    assert first["code"] == "XC" and first["parent"] is None


def test_search_and_parent_filters_stay_inside_scope(client_for, org) -> None:
    secretary = client_for("secretary1")
    codes = {r["code"] for r in secretary.get("/api/orgs/?search=党小组").json()["results"]}
    assert codes == {"CT01-ZB1-XZ1", "CT01-ZB1-XZ2"}
    children = secretary.get(f"/api/orgs/?parent={org('CT01-ZB1').pk}").json()["results"]
    assert {c["code"] for c in children} == {"CT01-ZB1-XZ1", "CT01-ZB1-XZ2"}
    assert secretary.get(f"/api/orgs/?parent={org('JT01').pk}").json()["count"] == 0


def test_token_authentication(user) -> None:
    holder = user("supervisor")
    _, clear = account_services.create_api_token(actor=holder, user=holder, name="对接", days=30)
    client = Client(HTTP_AUTHORIZATION=f"Token {clear}")
    assert client.get("/api/orgs/?page_size=1").status_code == 200
    assert Client().get("/api/orgs/").status_code == 401


def test_public_endpoints_answer_without_login(worker_alive) -> None:
    client = Client()
    assert client.get("/healthz").json()["status"] == "ok"
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/orgs/" in schema.content
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/api/docs/").status_code == 302  # docs page needs a login


def test_role_without_read_anywhere_gets_403(client_for) -> None:
    response = client_for("auditor").get("/api/orgs/")
    assert response.status_code == 403
    assert response.json()["detail"] == "您的角色无权执行此操作"


def test_create_enterprise_through_the_api(client_for, org) -> None:
    payload = {
        "parent": org("CT").pk,
        "kind": "enterprise",
        "code": "CT08",
        "name": "X县新能源有限公司",
        "enterprise": {
            "credit_code": make_credit_code(777),
            "ownership": "controlled",
            "headcount": 12,
            "payroll_prior_year": "960000.00",
            "operating_status": "normal",
        },
    }
    response = client_for("supervisor").post("/api/orgs/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["enterprise"]["credit_code"] == make_credit_code(777)
    assert body["parent"] == org("CT").pk


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        (
            {"kind": "party_group", "code": "N1", "name": "x", "parent_code": "CT01"},
            "parent",
            "上级",
        ),
        (
            {"kind": "branch", "code": "CT01", "name": "x", "parent_code": "CT02"},
            "code",
            "已被其他组织使用",
        ),
        (
            {
                "kind": "enterprise",
                "code": "N2",
                "name": "x",
                "parent_code": "CT",
                "enterprise": {
                    "credit_code": "91330000000009990X",
                    "ownership": "controlled",
                    "operating_status": "normal",
                },
            },
            "credit_code",
            "校验位",
        ),
        (
            {"kind": "branch", "code": "N3", "name": "x", "parent": 999999},
            "parent",
            "不存在或不在您的授权范围内",
        ),
    ],
)
def test_bad_payloads_name_the_field_and_write_nothing(
    client_for, org, payload, field, fragment
) -> None:
    if "parent_code" in payload:
        payload = {**payload, "parent": org(payload.pop("parent_code")).pk}
    client = client_for("supervisor")
    nodes, entries = OrgNode.objects.count(), AuditEntry.objects.count()
    response = client.post("/api/orgs/", payload, content_type="application/json")
    assert response.status_code == 400
    assert fragment in " ".join(response.json()[field])
    assert (OrgNode.objects.count(), AuditEntry.objects.count()) == (nodes, entries)


def test_move_and_dissolve_through_the_api(client_for, org) -> None:
    client = client_for("supervisor")
    moved = client.post(
        f"/api/orgs/{org('CT04').pk}/move/",
        {"parent": org("JT").pk},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["parent"] == org("JT").pk
    loop = client.post(
        f"/api/orgs/{org('CT01').pk}/move/",
        {"parent": org("CT01-ZB1").pk},
        content_type="application/json",
    )
    assert loop.status_code == 400 and "下级组织之下" in loop.json()["parent"][0]
    gone = client.post(
        f"/api/orgs/{org('JT06').pk}/dissolve/",
        {"dissolved_on": "2025-01-31", "reason": "破产清算终结"},
        content_type="application/json",
    )
    assert gone.status_code == 200 and gone.json()["dissolved_on"] == "2025-01-31"


def test_secretary_may_not_move(client_for, org) -> None:
    response = client_for("secretary1").post(
        f"/api/orgs/{org('CT01-ZB1-XZ1').pk}/move/",
        {"parent": org("CT01-ZB1").pk},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_patch_needs_version_and_enterprise_facts_only_on_enterprises(client_for, org) -> None:
    client = client_for("supervisor")
    branch, enterprise = org("CT01-ZB1"), org("CT01")
    before = (AuditEntry.objects.count(), branch.version, enterprise.version)

    def patch(node, body):
        return client.patch(f"/api/orgs/{node.pk}/", body, content_type="application/json")

    refused = patch(branch, {"enterprise": {"headcount": 5}, "version": branch.version})
    assert refused.status_code == 400 and "不是企业" in refused.json()["enterprise"][0]
    assert patch(branch, {"name": "改名"}).status_code == 400  # no version: refused
    partial = patch(enterprise, {"enterprise": {"headcount": 321}, "version": enterprise.version})
    assert partial.status_code == 200, partial.content
    assert partial.json()["enterprise"]["headcount"] == 321
    branch.refresh_from_db()
    assert (AuditEntry.objects.count() - 1, branch.version) == before[:2]


def test_headcount_beyond_any_enterprise_is_a_message(client_for, org) -> None:
    enterprise = org("CT01")
    client = client_for("supervisor")
    response = client.patch(
        f"/api/orgs/{enterprise.pk}/",
        {"enterprise": {"headcount": 99999999999999999999}, "version": enterprise.version},
        content_type="application/json",
    )
    assert response.status_code == 400 and "headcount" in response.json()["enterprise"]
    page = client.get(f"/orgs/{enterprise.pk}/edit/").content.decode()
    assert 'name="ent-headcount"' in page and 'max="1000000"' in page
