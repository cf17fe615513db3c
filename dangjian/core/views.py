from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from dangjian.core import audit
from dangjian.core.actors import SystemActor
from dangjian.core.denials import record_denial
from dangjian.core.heartbeat import scheduler_check, worker_check
from dangjian.core.permissions import can_anywhere


def get_scoped_or_404(request: HttpRequest, queryset: Any, action: str, pk: Any) -> Any:
    """Fetch an object through the user's scope; a hidden one is logged and answers 404."""
    if not can_anywhere(request.user, action):
        record_denial(
            request.user,
            method=request.method or "",
            changes={"action": action, "path": request.path},
        )
        raise PermissionDenied
    try:
        return get_object_or_404(queryset.visible_to(request.user, action), pk=pk)
    except Http404:
        from dangjian.core.api import record_denial_if_exists

        record_denial_if_exists(request, queryset, pk)
        raise


def require_action(request: HttpRequest, action: str) -> None:
    if not can_anywhere(request.user, action):
        record_denial(
            request.user,
            method=request.method or "",
            changes={"action": action, "path": request.path},
        )
        raise PermissionDenied


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database reachable, the audit table writable (probe insert rolled back) and the job
    worker's and the scheduler's heartbeats fresh."""
    checks: dict[str, str] = {}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 — any failure means unhealthy
        checks["database"] = f"error: {type(exc).__name__}"
        status = 503
    if status == 200:
        try:
            with transaction.atomic():
                audit.record(
                    "system.healthz.probe", actor=SystemActor("healthz"), username="healthz"
                )
                transaction.set_rollback(True)
            checks["audit"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["audit"] = f"error: {type(exc).__name__}"
            status = 503
    # The web still answers without a job worker or scheduler: degraded, not down, so 200 with
    # the reason.
    checks["worker"] = worker_check()
    checks["scheduler"] = scheduler_check()
    background_ok = checks["worker"] == "ok" and checks["scheduler"] == "ok"
    overall = "ok" if background_ok else "degraded"
    return JsonResponse(
        {"status": overall if status == 200 else "error", "checks": checks}, status=status
    )
