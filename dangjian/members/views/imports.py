"""Import (upload → validate → preview → confirm, in the background for large files) and export."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.generic import (
    ConfirmActionView,
    ScopedDetailView,
    ScopedDownloadView,
    ServiceFormView,
)
from dangjian.core.permissions import can_anywhere
from dangjian.core.views import get_scoped_or_404
from dangjian.members.downloads import TEMPLATE_NAME, XLSX, template_workbook
from dangjian.members.forms import UploadForm
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.permissions import MemberAction
from dangjian.members.views.registry import filtered_members, id_search
from dangjian.orgs.scope import scope_root

logger = logging.getLogger(__name__)
# Above these sizes validation / the import run in the background worker with a progress bar.
BACKGROUND_BYTES = 256 * 1024
BACKGROUND_ROWS = 2000
PREVIEW_SECONDS = 600


class TemplateDownload(ScopedDownloadView):
    """The import template, its drop-downs limited to the branches the account may import to."""

    action = MemberAction.IMPORT
    content_type = XLSX

    def get_file(self, obj: Any) -> tuple[bytes, str]:
        return template_workbook(self.request.user), TEMPLATE_NAME


STALE_ID_SEARCH = "stale_id_search"


class ExportDownload(ScopedDownloadView):
    """The member list's rows as a workbook, with the list's filters and ID search."""

    action = MemberAction.EXPORT
    content_type = XLSX

    def get_file(self, obj: Any) -> tuple[bytes, str]:
        from dangjian.members.workbook.exporter import export_members

        request = self.request
        # Full ID numbers only for a role that may reveal them, and only over rows it may reveal.
        reveal = request.GET.get("reveal") == "1" and can_anywhere(
            request.user, MemberAction.REVEAL
        )
        listed = filtered_members(request, MemberAction.EXPORT)
        if request.GET.get("idq") and id_search(request, request.GET) is None:
            raise ValidationError(
                "按身份证号码查询的条件已失效，未导出；请重新输入完整身份证号码",
                code=STALE_ID_SEARCH,
            )
        if listed.errors:
            # A filter that was not understood must not widen the export to everyone in scope.
            labels = {name: str(field.label) for name, field in listed.form.fields.items()}
            problems = "；".join(
                f"{labels.get(name, name)}：{message}"
                for name, errors in listed.errors.items()
                for message in errors
            )
            raise ValidationError(f"筛选条件有误，未导出：{problems}")
        members = listed.qs
        if reveal:
            members = members.filter(
                pk__in=filtered_members(request, MemberAction.REVEAL).qs.values("pk")
            )
        stamp = clock.local_now()
        data = export_members(members, actor=request.user, reveal=reveal, today=stamp.date())
        return data, f"党员名册-{stamp:%Y%m%d-%H%M}.xlsx"

    def get_error_url(self, obj: Any, exc: ValidationError) -> str:
        if exc.code == STALE_ID_SEARCH:
            return reverse("members:list")  # the token is gone: start the search again
        return f"{reverse('members:list')}?{self.request.GET.urlencode()}"


template = TemplateDownload.as_view()
export = ExportDownload.as_view()


class UploadView(ServiceFormView):
    """Upload a workbook: checked for size and shape, stored, then validated (in the background
    above ``BACKGROUND_BYTES``); the job page shows the outcome."""

    action = MemberAction.IMPORT
    form_class = UploadForm
    template_name = "members/import.html"
    nav_active = "members"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> ImportJob:
        from dangjian.members.workbook import jobs
        from dangjian.members.workbook.safety import MAX_FILE_BYTES, UnsafeWorkbook, check_xlsx

        upload_file = data["file"]
        if upload_file.size > MAX_FILE_BYTES:
            raise ValidationError({"file": "文件不能超过20MB"})
        content = upload_file.read()
        try:
            check_xlsx(content)
        except UnsafeWorkbook as exc:
            raise ValidationError({"file": str(exc)}) from exc
        # The stored-file checks (type, size, disk) refuse with their own ValidationError.
        job = jobs.store_upload(
            content,
            upload_file.name,
            actor=actor,
            org=scope_root(actor, MemberAction.IMPORT),
        )
        if len(content) > BACKGROUND_BYTES:
            jobs.enqueue_validation(job, actor=actor, now=clock.now())
        else:
            jobs.validate_job(job, actor=actor)
        return job

    def get_success_url(self, obj: Any, result: ImportJob | None) -> str:
        if result is None:
            return reverse("members:import")
        return reverse("members:import_job", args=[result.pk])

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {"recent": ImportJob.objects.filter(created_by_id=self.request.user.pk)[:10]}


upload = UploadView.as_view()


def _job(request: HttpRequest, pk: int) -> ImportJob:
    job = get_scoped_or_404(
        request, ImportJob.objects.select_related("org"), MemberAction.IMPORT, pk
    )
    if job.created_by_id != request.user.pk:
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
        from dangjian.members.workbook.jobs import load_upload, upload_present

        present = upload_present(obj)
        context: dict[str, Any] = {"upload_present": present}
        if obj.status == ImportStatus.VALID and present:
            from dangjian.members.workbook.marked import preview
            from dangjian.members.workbook.reader import WorkbookError

            # Read once per file and kept a while: a large upload is parsed in a child process,
            # and the page is reloaded while the user compares it with the file.
            key = f"members:import-preview:{obj.pk}:{obj.file_sha256}"
            try:
                context["preview"] = cache.get_or_set(
                    key, lambda: preview(load_upload(obj)), PREVIEW_SECONDS
                )
            except WorkbookError:  # checked already; a preview is no reason to fail the page
                logger.exception("import preview unreadable")
        return context


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


class MarkedWorkbookDownload(ScopedDownloadView):
    """The uploaded workbook again, each error marked in its cell (fill and comment)."""

    action = MemberAction.IMPORT
    content_type = XLSX

    def get_object(self) -> ImportJob:
        return _job(self.request, self.kwargs["pk"])

    def get_error_url(self, obj: Any, exc: ValidationError) -> str:
        return reverse("members:import_job", args=[obj.pk])

    def get_file(self, obj: ImportJob) -> tuple[bytes, str]:
        from dangjian.members.workbook.jobs import load_upload, upload_present
        from dangjian.members.workbook.marked import marked_copy

        if not obj.errors:
            raise ValidationError("该文件没有校验错误，无需下载标注文件")
        if not upload_present(obj):
            raise ValidationError("原文件已按保留期限删除，无法生成标注文件，请重新上传")
        stem = obj.original_name.rsplit(".", 1)[0] or "import"
        return marked_copy(load_upload(obj), obj.errors), f"{stem}-错误标注.xlsx"


job_detail = ImportJobView.as_view()
job_marked = MarkedWorkbookDownload.as_view()
job_progress = ImportProgressView.as_view()


class _JobAction(ConfirmActionView):
    """A button on the job page: GET goes back to the page, POST acts; a refusal is a message."""

    action = MemberAction.IMPORT
    template_name = ""

    def get_object(self) -> ImportJob:
        return _job(self.request, self.kwargs["pk"])

    def get_success_url(self, obj: ImportJob, result: Any) -> str:
        return reverse("members:import_job", args=[obj.pk])


class JobConfirmView(_JobAction):
    """Confirm the previewed import: a large one runs in the background, a small one here."""

    def run(self, obj: ImportJob, actor: Any) -> Any:
        from dangjian.members.workbook import jobs

        background = obj.total_rows > BACKGROUND_ROWS
        # Confirmed twice, or not valid: a ValidationError, shown on the job page.
        jobs.confirm_import(obj, actor=actor, now=clock.now(), background=background)
        if not background:
            try:
                jobs.run_import(obj)
            except Exception:
                logger.exception("member import failed")
            obj.refresh_from_db()
        return None

    def get_success_message(self, obj: ImportJob, result: Any) -> str:
        if obj.status != ImportStatus.DONE:
            return ""  # queued, or failed: the job page says so
        return f"导入完成：新增 {obj.created_count} 人，重新登记 {obj.reactivated_count} 人"


class JobRetryView(_JobAction):
    """Run a failed job again (its check, or its import); other jobs are left as they are."""

    def run(self, obj: ImportJob, actor: Any) -> Any:
        if obj.status not in (ImportStatus.FAILED, ImportStatus.UNREADABLE):
            return None
        from dangjian.members.workbook import jobs

        try:
            jobs.retry(obj, actor=actor, now=clock.now())
        except jobs.CannotRetry as exc:
            raise ValidationError(str(exc)) from exc
        return None


job_confirm = JobConfirmView.as_view()
job_retry = JobRetryView.as_view()
