"""The audit log pages: the list (on the generic list view, gated by the role alone) and the
CSV export of the same filters."""

from __future__ import annotations

import csv
import json
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from dangjian.core import audit, clock
from dangjian.core.denials import flush_closed_windows
from dangjian.core.exports import safe_row
from dangjian.core.forms import BootstrapFormMixin
from dangjian.core.generic import ScopedListView
from dangjian.core.models import AuditEntry, AuditOutcome
from dangjian.core.permissions import Action
from dangjian.core.views import require_action


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


def _filtered_audit(
    form: AuditFilterForm, entries: QuerySet[AuditEntry] | None = None
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.order_by("-seq") if entries is None else entries
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


class AuditListView(ScopedListView):
    """审计员: the whole log (not scoped by the tree), filtered by ``AuditFilterForm``."""

    queryset = AuditEntry.objects.order_by("-seq")
    action = Action.AUDIT_VIEW
    tree_scoped = False
    template_name = "core/audit_list.html"
    nav_active = "audit"

    def filter_rows(self, rows: Any) -> tuple[Any, Any]:
        flush_closed_windows()  # the auditor sees the counts of every closed window
        self.form = AuditFilterForm(self.request.GET or {})
        return _filtered_audit(self.form, rows), None

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {"form": self.form}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # As the function view answered: a POST is checked (403 and a denial) and read like GET.
        return self.get(request, *args, **kwargs)


audit_list = AuditListView.as_view()


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
