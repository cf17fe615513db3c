"""Pages declared on the generic views, for their own tests, mounted beside the real URLs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path, reverse

from dangjian import urls as root
from dangjian.core import audit
from dangjian.core.audit_names import declare_audit_names
from dangjian.core.generic import (
    ConfirmActionView,
    ScopedDetailView,
    ScopedDownloadView,
    ScopedListView,
    ServiceFormView,
)
from dangjian.orgs.filtersets import OrgNodeFilterSet
from dangjian.orgs.models import OrgNode
from dangjian.orgs.permissions import OrgAction

declare_audit_names({"test.rename": "测试改简称"})
REFUSED = "党建办"  # the test service refuses this short name, after writing (rolled back)


@transaction.atomic
def rename(node: OrgNode, *, actor: Any, short_name: str) -> OrgNode:
    node.short_name = short_name
    node.save(update_fields=["short_name"])
    audit.record("test.rename", actor=actor, obj=node)
    if short_name == REFUSED:
        raise ValidationError({"short_name": "该简称已被占用"})
    return node


class RenameForm(forms.Form):
    short_name = forms.CharField(label="简称", max_length=5)


class NodeList(ScopedListView):
    queryset = OrgNode.objects.order_by("path")
    action = OrgAction.VIEW
    filterset_class = OrgNodeFilterSet
    paginate_by = 5
    template_name = "generic_test/list.html"
    table_template = "generic_test/_table.html"


class EveryNodeList(NodeList):
    """Gated by the role alone (like the audit log): every node once the role may change one."""

    action = OrgAction.CHANGE
    tree_scoped = False


class NodeDetail(ScopedDetailView):
    queryset = OrgNode.objects.all()
    action = OrgAction.VIEW
    template_name = "generic_test/detail.html"
    context_object_name = "node"


class Rename(ServiceFormView):
    queryset = OrgNode.objects.all()
    action = OrgAction.CHANGE
    form_class = RenameForm
    title = "修改简称"
    success_message = "已修改简称"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return rename(obj, actor=actor, **data)

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("orgs:detail", args=[obj.pk])


class RenameShowingResult(Rename):
    """Answers with a page of its own after the service call (like account creation)."""

    def success_response(self, obj: Any, result: Any) -> Any:
        return self.render_page({"node": result}, "generic_test/detail.html")


class ClearShortName(ConfirmActionView):
    queryset = OrgNode.objects.all()
    action = OrgAction.CHANGE
    title = "清除简称"
    question = "确定清除简称吗？"
    success_message = "已清除简称"

    def run(self, obj: Any, actor: Any) -> Any:
        return rename(obj, actor=actor, short_name="")

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("orgs:detail", args=[obj.pk])


class ClearShowingResult(ClearShortName):
    """Answers the POST with a partial of its own instead of the redirect (like the ID reveal)."""

    def success_response(self, obj: Any, result: Any) -> Any:
        return HttpResponse(f"已清除：{obj.code}")


class NoteForm(forms.Form):
    note = forms.FileField(label="简称文件")


class RenameFromFile(ServiceFormView):
    """A form with a file field: the upload's text becomes the short name."""

    queryset = OrgNode.objects.all()
    action = OrgAction.CHANGE
    form_class = NoteForm
    title = "上传简称"
    errors_as = {"short_name": "note"}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return rename(obj, actor=actor, short_name=data["note"].read().decode())

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("orgs:detail", args=[obj.pk])


class EveryNodeDetail(NodeDetail):
    """Gated by the role alone: any node once the role may change one."""

    action = OrgAction.CHANGE
    tree_scoped = False


NO_CARD = "该组织还没有简称，无法生成名片"


class NodeCard(ScopedDownloadView):
    """One node's card as a text file; a node without a short name has none."""

    queryset = OrgNode.objects.all()
    action = OrgAction.VIEW
    content_type = "text/plain; charset=utf-8"

    def get_file(self, obj: Any) -> tuple[bytes, str]:
        if not obj.short_name:
            raise ValidationError(NO_CARD)
        return f"{obj.code} {obj.short_name}".encode(), f"{obj.code}-名片.txt"

    def get_error_url(self, obj: Any, exc: ValidationError) -> str:
        return reverse("orgs:detail", args=[obj.pk])


class CodeList(ScopedDownloadView):
    """About no object (like the import template): the role decides, the rows follow scope."""

    action = OrgAction.CHANGE
    content_type = "text/plain; charset=utf-8"

    def get_file(self, obj: Any) -> tuple[bytes, str]:
        rows = OrgNode.objects.visible_to(self.request.user, self.action).order_by("path")
        return "\n".join(n.code for n in rows).encode(), "codes.txt"


class StreamedCard(NodeCard):
    """The same card streamed a line at a time (``streaming = True``, like the audit CSV)."""

    streaming = True

    def get_stream(self, obj: Any) -> tuple[Any, str]:
        if not obj.short_name:
            raise ValidationError(NO_CARD)
        return iter([f"{obj.code}\n", obj.short_name]), f"{obj.code}-名片.txt"


pages = (
    [
        path("", NodeList.as_view(), name="list"),
        path("every/", EveryNodeList.as_view(), name="every"),
        path("<pk:pk>/", NodeDetail.as_view(), name="detail"),
        path("<pk:pk>/rename/", Rename.as_view(), name="rename"),
        path("<pk:pk>/rename-shown/", RenameShowingResult.as_view(), name="rename_shown"),
        path("<pk:pk>/clear/", ClearShortName.as_view(), name="clear"),
        path("<pk:pk>/clear-shown/", ClearShowingResult.as_view(), name="clear_shown"),
        path("<pk:pk>/upload/", RenameFromFile.as_view(), name="upload"),
        path("<pk:pk>/any/", EveryNodeDetail.as_view(), name="any"),
        path("<pk:pk>/card/", NodeCard.as_view(), name="card"),
        path("<pk:pk>/card-streamed/", StreamedCard.as_view(), name="card_streamed"),
        path("codes/", CodeList.as_view(), name="codes"),
    ],
    "generic_test",
)

urlpatterns = [*root.urlpatterns, path("generic-test/", include(pages))]
