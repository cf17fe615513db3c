"""The audit log pages: the list (on the generic list view, gated by the role alone) and the
CSV export of the same filters."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dangjian.core import audit, clock
from dangjian.core.audit_display import EntryView, describe_entries
from dangjian.core.audit_names import declared_audit_names
from dangjian.core.denials import flush_closed_windows
from dangjian.core.exports import safe_row
from dangjian.core.forms import BootstrapFormMixin
from dangjian.core.generic import ScopedDownloadView, ScopedListView
from dangjian.core.models import AuditEntry, AuditOutcome
from dangjian.core.permissions import Action


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label="操作/对象",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "操作名称、代码或对象名称"}),
    )
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
        # The code, the Chinese label the log shows (from the registry) or the object's name.
        q = data["q"]
        labelled = [name for name, label in declared_audit_names().items() if q in label]
        entries = entries.filter(
            Q(action__icontains=q) | Q(action__in=labelled) | Q(object_repr__icontains=q)
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

    def list_context(self, rows: Any) -> dict[str, Any]:
        context = self.paginate(rows)
        context["rows"] = describe_entries(context["page"], viewer=self.request.user)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # As the function view answered: a POST is checked (403 and a denial) and read like GET.
        return self.get(request, *args, **kwargs)


audit_list = AuditListView.as_view()


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_CAP = 100_000
CHUNK = 2000
CSV_HEADER = [
    "序号",
    "时间",
    "操作人",
    "角色",
    "角色（原始记录）",
    "地址",
    "请求号",
    "操作名称",
    "操作",
    "对象类型",
    "对象ID",
    "对象",
    "组织",
    "组织路径",
    "结果",
    "变更内容",
    "校验值",
]


def _csv_cells(row: EntryView) -> list[Any]:
    e = row.entry
    return [
        e.seq,
        # Local time with its offset (ISO 8601), as the auditor's clock reads it.
        timezone.localtime(e.created_at).isoformat(timespec="seconds"),
        e.actor_username,
        row.roles,
        e.actor_roles,
        e.client_ip,
        e.request_id,
        e.action_label,
        e.action,
        e.object_type,
        e.object_id,
        row.object_name,
        row.org_name,
        e.org_path,
        e.get_outcome_display(),
        json.dumps(e.changes, ensure_ascii=False),
        e.mac,
    ]


class AuditExportView(ScopedDownloadView):
    """The log's filtered entries as a streamed CSV (capped at ``EXPORT_CAP`` rows), audited."""

    action = Action.AUDIT_VIEW
    tree_scoped = False
    streaming = True
    content_type = "text/csv; charset=utf-8"

    def get_stream(self, obj: Any) -> tuple[Iterator[str], str]:
        request = self.request
        flush_closed_windows()
        form = AuditFilterForm(request.GET or {})
        entries = _filtered_audit(form)
        with transaction.atomic():
            audit.record(
                "audit.export", actor=request.user, changes={"filters": request.GET.dict()}
            )
        user = request.user
        full_name = getattr(user, "full_name", "") or ""
        who = f"{full_name}（{user.get_username()}）" if full_name else user.get_username()
        stamp = clock.local_now()
        writer = csv.writer(_Echo())

        def rows() -> Iterator[str]:
            yield "\ufeff" + writer.writerow(
                safe_row(
                    [
                        f"导出人：{who}",
                        f"导出时间：{stamp.isoformat(timespec='seconds')}",
                        f"时区：{settings.TIME_ZONE}",
                    ]
                )
            )
            yield writer.writerow(safe_row(CSV_HEADER))
            # Every cell, not only the free-text ones: a login name or request id is user input.
            # Dressed a chunk at a time: one query for the chunk's organisation names.
            batch: list[AuditEntry] = []
            for entry in entries[:EXPORT_CAP].iterator(chunk_size=CHUNK):
                batch.append(entry)
                if len(batch) == CHUNK:
                    yield from _written(writer, batch)
                    batch = []
            yield from _written(writer, batch)

        return rows(), f"审计日志-{stamp:%Y%m%d}.csv"


def _written(writer: Any, batch: list[AuditEntry]) -> Iterator[str]:
    for row in describe_entries(batch):
        yield writer.writerow(safe_row(_csv_cells(row)))


audit_export = AuditExportView.as_view()
