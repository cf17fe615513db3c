"""Tenancy for the project-level routes: the audit log, health, home and the API's own pages."""

from __future__ import annotations

from typing import Any

from django.test import Client

from dangjian.core.models import AuditEntry
from dangjian.testkit.tenancy import RoleContract

UNSCOPED_URLS = {
    "home": "each panel is read through visible_to; tested in orgs/tests/test_query_counts.py",
    "healthz": "public liveness check for the supervisor and load balancer; no data",
    "api-schema": "the OpenAPI description of the routes, no data; the same for every account",
    "api-docs": "Swagger UI over api-schema, login required, no data",
    "api-root": "DRF's index of the router's list URLs, no data",
    "files:download": (
        "scope comes from each file's purpose (its read action through visible_to on the owning "
        "node, then the purpose's own rule); other branch → 404 + audited denial, purged → 410, "
        "tampered → 409, tested in core/tests/test_stored_files.py"
    ),
}


class TestAuditLogTenancy(RoleContract):
    covers = ("audit:list",)
    allowed_username = "auditor"
    denied_usernames = ("supervisor", "sysadmin", "secadmin")

    def read_url(self) -> str:
        return "/audit/"


class TestAuditExportTenancy(RoleContract):
    covers = ("audit:list", "audit:export")
    allowed_username = "auditor"
    denied_usernames = ("supervisor", "sysadmin")
    audit_action = "audit.export"
    write_renders_result = True  # the download itself

    def read_url(self) -> str:
        return "/audit/"

    def write(self, client: Client) -> Any:
        return client.get("/audit/export/")

    def snapshot(self) -> Any:
        return AuditEntry.objects.filter(action=self.audit_action).count()


class TestSchedulerTenancy(RoleContract):
    covers = ("scheduler:list", "scheduler:run")
    allowed_username = "sysadmin"
    denied_usernames = ("supervisor", "secadmin", "auditor")
    audit_action = "scheduler.run_requested"

    def read_url(self) -> str:
        return "/scheduler/"

    def write(self, client: Client) -> Any:
        return client.post("/scheduler/core.prune_runs/run/")

    def snapshot(self) -> Any:
        from dangjian.core.scheduler.models import ScheduledJob

        return list(ScheduledJob.objects.values_list("name", "run_requested_at").order_by("name"))
