"""Shell-level behaviour: CSP, request ids, structured logs, health and database failures."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import OperationalError
from django.test import Client

from dangjian.core.logging import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_csp_has_no_unsafe_inline_and_pages_load_no_inline_script(client_for) -> None:
    response = client_for("supervisor").get("/")
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    html = response.content.decode()
    assert "<script>" not in html  # every script is an external file
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing loaded from outside


def test_request_id_is_generated_or_kept() -> None:
    client = Client()
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123-xyz")["X-Request-ID"] == "abc-123-xyz"
    # Anything odd from the caller is replaced, so it cannot smuggle text into logs.
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def test_log_lines_are_json_with_the_request_id() -> None:
    from dangjian.core.context import request_context

    record = logging.LogRecord("dangjian", logging.INFO, __file__, 1, "你好", (), None)
    with request_context(request_id="rid-42", client_ip="10.0.0.1"):
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "你好" and line["request_id"] == "rid-42"


def test_a_request_in_a_log_line_keeps_no_query_string(client_for) -> None:
    """Django's own warnings carry the request; an API search may hold a full ID number."""
    from django.test import RequestFactory

    request = RequestFactory().get("/api/members/", {"search": "330106199005175001"})
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "坏请求", (), None)
    record.request = request
    line = JsonFormatter().format(record)
    assert "330106199005175001" not in line
    assert json.loads(line)["request"] == "GET /api/members/"


@pytest.mark.parametrize(
    "url", ["/members/99999999999999999999/", "/api/members/99999999999999999999/", "/orgs/1e9/"]
)
def test_an_id_too_long_for_the_database_is_simply_not_found(client_for, url) -> None:
    assert client_for("supervisor").get(url).status_code == 404


def test_healthz_reports_database_audit_worker_and_scheduler(worker_alive) -> None:
    body = Client().get("/healthz").json()
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "audit": "ok", "worker": "ok", "scheduler": "ok"},
    }


def test_healthz_does_not_leave_probe_entries() -> None:
    from dangjian.core.models import AuditEntry

    before = AuditEntry.objects.count()
    Client().get("/healthz")
    assert AuditEntry.objects.count() == before


def test_lost_database_answers_503_in_chinese(client_for, monkeypatch: pytest.MonkeyPatch) -> None:
    client = client_for("supervisor")
    from dangjian.orgs import views

    def boom(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views, "scope_roots", boom)
    response = client.get("/orgs/")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.content.decode()


def test_vendored_assets_are_served_locally(client_for) -> None:
    client = client_for("supervisor")
    for path in (
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/echarts/echarts.min.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
