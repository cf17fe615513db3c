"""Workbook downloads shared by the pages and the API (the API never imports page views)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from dangjian.members.permissions import MemberAction
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_attachment(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def template_download(user: Any) -> HttpResponse:
    """The import template; its drop-downs list the branches and groups the user may import to."""
    from dangjian.members.workbook.template import build_template

    branches = (
        OrgNode.objects.visible_to(user, MemberAction.IMPORT)
        .filter(kind=OrgKind.BRANCH, dissolved_on__isnull=True)
        .order_by("path")
    )
    groups = OrgNode.objects.filter(
        parent__in=branches, kind=OrgKind.PARTY_GROUP, dissolved_on__isnull=True
    ).select_related("parent")
    data = build_template(
        [(b.code, b.name) for b in branches], [(g.code, g.name, g.parent.code) for g in groups]
    )
    return xlsx_attachment(data, "member-import-template.xlsx")
