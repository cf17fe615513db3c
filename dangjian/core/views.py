from __future__ import annotations

import csv
import json
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from dangjian.core import audit, clock
from dangjian.core.actors import SystemActor
from dangjian.core.denials import flush_closed_windows, record_denial
from dangjian.core.exports import safe_row
from dangjian.core.forms import BootstrapFormMixin
from dangjian.core.heartbeat import scheduler_check, worker_check
from dangjian.core.models import AuditEntry, AuditOutcome
from dangjian.core.permissions import Action, can_anywhere


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


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label="操作/对象", required=False)
    username = forms.CharField(label="操作人", required=False)
    outcome = forms.ChoiceField(
        label="结果", required=False, choices=[("", "全部"), *AuditOutcome.choices]
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _filtered_audit(form: AuditFilterForm) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.order_by("-seq")
    if not form.is_valid():
        return entries.none()
    data = form.cleaned_data
    if data["q"]:
        entries = entries.filter(action__icontains=data["q"]) | entries.filter(
            object_repr__icontains=data["q"]
        )
    if data["username"]:
        entries = entries.filter(actor_username=data["username"])
    if data["outcome"]:
        entries = entries.filter(outcome=data["outcome"])
    if data["date_from"]:
        entries = entries.filter(created_at__date__gte=data["date_from"])
    if data["date_to"]:
        entries = entries.filter(created_at__date__lte=data["date_to"])
    return entries


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require_action(request, Action.AUDIT_VIEW)
    flush_closed_windows()  # the auditor sees the counts of every closed window
    form = AuditFilterForm(request.GET or None)
    if not request.GET:
        form = AuditFilterForm({})
    page = Paginator(_filtered_audit(form), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {"nav_active": "audit", "form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_CAP = 100_000


@login_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    require_action(request, Action.AUDIT_VIEW)
    flush_closed_windows()
    form = AuditFilterForm(request.GET or {})
    entries = _filtered_audit(form)
    with transaction.atomic():
        audit.record("audit.export", actor=request.user, changes={"filters": request.GET.dict()})
    writer = csv.writer(_Echo())
    header = [
        "序号",
        "时间(UTC)",
        "操作人",
        "角色",
        "地址",
        "请求号",
        "操作",
        "操作名称",
        "对象类型",
        "对象ID",
        "对象",
        "组织路径",
        "结果",
        "变更内容",
        "校验值",
    ]

    def rows() -> Any:
        yield "\ufeff" + writer.writerow(
            safe_row(
                [
                    f"导出人：{request.user.get_username()}",
                    f"导出时间：{clock.now():%Y-%m-%d %H:%M:%S %Z}",
                ]
            )
        )
        yield writer.writerow(safe_row(header))
        # Every cell, not only the free-text ones: a login name or request id is user input too.
        for e in entries[:EXPORT_CAP].iterator(chunk_size=2000):
            yield writer.writerow(
                safe_row(
                    [
                        e.seq,
                        e.created_at.isoformat(),
                        e.actor_username,
                        e.actor_roles,
                        e.client_ip,
                        e.request_id,
                        e.action,
                        e.action_label,
                        e.object_type,
                        e.object_id,
                        e.object_repr,
                        e.org_path,
                        e.get_outcome_display(),
                        json.dumps(e.changes, ensure_ascii=False),
                        e.mac,
                    ]
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
