"""Import (upload → validate → preview → confirm, in the background for large files) and export."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.generic import ScopedDetailView
from dangjian.core.permissions import can_anywhere
from dangjian.core.views import get_scoped_or_404, require_action
from dangjian.members.downloads import template_download, xlsx_attachment
from dangjian.members.forms import UploadForm
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.permissions import MemberAction
from dangjian.members.views.registry import filtered_members, id_search
from dangjian.orgs.scope import scope_root

logger = logging.getLogger(__name__)
# Above these sizes validation / the import run in the background worker with a progress bar.
BACKGROUND_BYTES = 256 * 1024
BACKGROUND_ROWS = 2000


@login_required
def template(request: HttpRequest) -> HttpResponse:
    require_action(request, MemberAction.IMPORT)
    return template_download(request.user)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    require_action(request, MemberAction.EXPORT)
    from dangjian.members.workbook.exporter import export_members

    # Full ID numbers only for a role that may reveal them, and only over rows it may reveal.
    reveal = request.GET.get("reveal") == "1" and can_anywhere(request.user, MemberAction.REVEAL)
    listed = filtered_members(request, MemberAction.EXPORT)
    if request.GET.get("idq") and id_search(request, request.GET) is None:
        messages.error(request, "按身份证号码查询的条件已失效，未导出；请重新输入完整身份证号码")
        return redirect("members:list")
    if listed.errors:
        # A filter that was not understood must not widen the export to everyone in scope.
        labels = {name: str(field.label) for name, field in listed.form.fields.items()}
        problems = "；".join(
            f"{labels.get(name, name)}：{message}"
            for name, errors in listed.errors.items()
            for message in errors
        )
        messages.error(request, f"筛选条件有误，未导出：{problems}")
        return redirect(f"{reverse('members:list')}?{request.GET.urlencode()}")
    members = listed.qs
    if reveal:
        members = members.filter(
            pk__in=filtered_members(request, MemberAction.REVEAL).qs.values("pk")
        )
    stamp = clock.local_now().strftime("%Y%m%d-%H%M")
    return xlsx_attachment(
        export_members(members, actor=request.user, reveal=reveal), f"members-{stamp}.xlsx"
    )


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    require_action(request, MemberAction.IMPORT)
    from dangjian.members.workbook import jobs
    from dangjian.members.workbook.safety import MAX_FILE_BYTES, UnsafeWorkbook, check_xlsx

    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        if upload_file.size > MAX_FILE_BYTES:
            form.add_error("file", "文件不能超过20MB")
        else:
            data = upload_file.read()
            try:
                check_xlsx(data)
            except UnsafeWorkbook as exc:
                form.add_error("file", str(exc))
            else:
                try:
                    job = jobs.store_upload(
                        data,
                        upload_file.name,
                        actor=request.user,
                        org=scope_root(request.user, MemberAction.IMPORT),
                    )
                except ValidationError as exc:  # the stored-file checks (type, size, disk)
                    form.add_error(None, exc)
                else:
                    if len(data) > BACKGROUND_BYTES:
                        jobs.enqueue_validation(job, actor=request.user, now=clock.now())
                    else:
                        jobs.validate_job(job, actor=request.user)
                    return redirect("members:import_job", pk=job.pk)
    recent = ImportJob.objects.filter(created_by_id=request.user.pk)[:10]
    return render(
        request, "members/import.html", {"form": form, "recent": recent, "nav_active": "members"}
    )


def _job(request: HttpRequest, pk: int) -> ImportJob:
    job = get_scoped_or_404(
        request, ImportJob.objects.select_related("org"), MemberAction.IMPORT, pk
    )
    if job.created_by_id != request.user.pk:
        from django.http import Http404

        raise Http404
    return job


class _ImportJobView(ScopedDetailView):
    """One import job, in scope for the import and uploaded by this account (else a 404)."""

    action = MemberAction.IMPORT
    context_object_name = "job"

    def get_object(self) -> ImportJob:
        return _job(self.request, self.kwargs["pk"])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # As the function views answered: a POST is read like GET, not a 405.
        return self.get(request, *args, **kwargs)


class ImportJobView(_ImportJobView):
    # Stale jobs are failed by the scheduler's periodic job (``mark_stale_failed``), not a GET.
    template_name = "members/import_job.html"
    nav_active = "members"

    def get_context(self, obj: Any) -> dict[str, Any]:
        from dangjian.members.workbook.jobs import upload_present

        return {"upload_present": upload_present(obj)}


class ImportProgressView(_ImportJobView):
    """The htmx partial polled while the job runs; a finished job reloads the page."""

    template_name = "members/_import_progress.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        job = self.get_object()
        if job.status == ImportStatus.IMPORTING:
            from dangjian.members.workbook.jobs import live_rows

            job.processed_rows = live_rows(job) or job.processed_rows
        response = self.render_page({"job": job})
        if job.status not in (ImportStatus.VALIDATING, ImportStatus.IMPORTING):
            response["HX-Refresh"] = "true"  # finished: reload the page to show the outcome
        return response


job_detail = ImportJobView.as_view()
job_progress = ImportProgressView.as_view()


@login_required
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if request.method != "POST":
        return redirect("members:import_job", pk=job.pk)
    from dangjian.members.workbook import jobs

    background = job.total_rows > BACKGROUND_ROWS
    try:
        jobs.confirm_import(job, actor=request.user, now=clock.now(), background=background)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))  # confirmed twice, or not valid
        return redirect("members:import_job", pk=job.pk)
    if not background:
        try:
            jobs.run_import(job)
        except Exception:
            logger.exception("member import failed")
        job.refresh_from_db()
        if job.status == ImportStatus.DONE:
            messages.success(
                request,
                f"导入完成：新增 {job.created_count} 人，重新登记 {job.reactivated_count} 人",
            )
    return redirect("members:import_job", pk=job.pk)


@login_required
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if request.method == "POST" and job.status in (ImportStatus.FAILED, ImportStatus.UNREADABLE):
        from dangjian.members.workbook import jobs

        try:
            jobs.retry(job, actor=request.user, now=clock.now())
        except jobs.CannotRetry as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return redirect("members:import_job", pk=job.pk)
