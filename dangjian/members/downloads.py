"""Workbook downloads shared by the pages and the API (the API never imports page views)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from dangjian.core.downloads import attachment
from dangjian.members.permissions import MemberAction
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "党员信息导入模板.xlsx"


def xlsx_attachment(data: bytes, filename: str) -> HttpResponse:
    return attachment(data, filename, XLSX)


def template_download(user: Any) -> HttpResponse:
    return xlsx_attachment(template_workbook(user), TEMPLATE_NAME)


def template_workbook(user: Any) -> bytes:
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
    return build_template(
        [(b.code, b.name) for b in branches], [(g.code, g.name, g.parent.code) for g in groups]
    )
