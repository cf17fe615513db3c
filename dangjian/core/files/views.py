"""Handing a stored file out: only through its purpose's scope check, only as an attachment."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from dangjian.core import audit
from dangjian.core.denials import record_denial
from dangjian.core.files import purposes, services
from dangjian.core.files.models import StoredFile
from dangjian.core.generic import ScopedDownloadView
from dangjian.core.models import AuditOutcome

logger = logging.getLogger(__name__)


def _may_read(request: HttpRequest, stored: StoredFile) -> bool:
    try:
        purpose = purposes.get(stored.purpose)
    except LookupError:
        return False  # an app that stopped declaring its purpose serves nothing
    visible = (
        StoredFile.objects.filter(pk=stored.pk)
        .visible_to(request.user, purpose.read_action)
        .exists()
    )
    return visible and (purpose.may_read is None or purpose.may_read(request.user, stored))


@method_decorator(never_cache, name="dispatch")  # no-store: the content is personal data
class StoredFileDownloadView(ScopedDownloadView):
    """The action that gates a file is its purpose's ``read_action`` (an import workbook, a
    meeting's evidence), so the lookup is by key and purpose rather than one declared action.

    404 for a missing file and for one out of scope alike (the key must not tell whether a file
    exists), the latter audited as a denial; 409 for content that fails its digest, 410 for
    content that is gone."""

    http_method_names = ["get"]

    def get_object(self) -> StoredFile:
        stored = StoredFile.objects.select_related("org").filter(key=self.kwargs["key"]).first()
        if stored is None:
            raise Http404
        if not _may_read(self.request, stored):
            record_denial(
                self.request.user,
                method=self.request.method or "",
                changes={
                    "object_type": StoredFile._meta.label_lower,
                    "object_id": str(stored.pk),
                    "purpose": stored.purpose,
                    "path": self.request.path,
                },
            )
            raise Http404
        return stored

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        stored = self.get_object()
        try:
            data = services.read(stored)
        except services.IntegrityFailure as exc:
            logger.error("stored file %s failed verification", stored.pk)
            with transaction.atomic():
                audit.record(
                    "files.integrity_failed",
                    actor=request.user,
                    obj=stored,
                    org_path=stored.org.path,
                    outcome=AuditOutcome.FAILURE,
                    changes={"reason": str(exc)},
                )
            return HttpResponse(
                f"{exc}，已拒绝提供下载，请联系系统管理员",
                status=409,
                content_type="text/plain; charset=utf-8",
            )
        except services.ContentGone as exc:
            return HttpResponse(str(exc), status=410, content_type="text/plain; charset=utf-8")
        with transaction.atomic():
            audit.record(
                "files.downloaded",
                actor=request.user,
                obj=stored,
                org_path=stored.org.path,
                changes={"purpose": stored.purpose, "sha256": stored.sha256},
            )
        # The stored type, decided by sniffing at upload; never the browser's guess.
        response = HttpResponse(data, content_type=stored.content_type)
        response["Content-Disposition"] = content_disposition_header(True, stored.original_name)
        response["Content-Length"] = str(len(data))
        response["X-Content-Type-Options"] = "nosniff"
        return response


download = StoredFileDownloadView.as_view()
