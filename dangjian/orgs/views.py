from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.converters import MAX_PK_DIGITS
from dangjian.core.generic import ScopedDetailView, ScopedListView, ScopedView, ServiceFormView
from dangjian.core.panels import ORG_DETAIL, render_panels
from dangjian.core.permissions import can_anywhere
from dangjian.core.scoping import permits, subtree_q
from dangjian.core.views import require_action
from dangjian.orgs import outline, services
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.filtersets import OrgNodeFilterSet
from dangjian.orgs.forms import (
    CountySettingsForm,
    DissolveForm,
    EnterpriseForm,
    MoveForm,
    OrgForm,
    SetupApprovalForm,
)
from dangjian.orgs.hierarchy import upper_party_org_of
from dangjian.orgs.models import CountySettings, OrgNode
from dangjian.orgs.permissions import OrgAction
from dangjian.orgs.rules import allowed_child_kinds
from dangjian.orgs.scope import scope_roots

NODE_LIST_FIELDS = (
    "id",
    "path",
    "depth",
    "numchild",
    "code",
    "kind",
    "name",
    "dissolved_on",
    "parent_id",
)


def _breadcrumb(user: Any, node: OrgNode) -> list[tuple[OrgNode, bool]]:
    ancestors = list(OrgNode.objects.get_ancestors(node).only("id", "path", "name"))
    return [(a, permits(user, OrgAction.VIEW, path=a.path, pk=a.pk)) for a in ancestors]


class TreeView(ScopedListView):
    """The tree from the account's scope roots, each node with its marks (members in service,
    set-up findings: ``orgs.outline``); ``?open=<pk>`` opens the path down to that node and
    highlights it. With ``?q=`` the matching nodes, searched by the same FilterSet as
    ``/api/orgs/?search=``, each with a link that opens the tree at it."""

    queryset = OrgNode.objects.select_related("parent").only(*NODE_LIST_FIELDS, "parent__name")
    action = OrgAction.VIEW
    filterset_class = OrgNodeFilterSet
    template_name = "orgs/tree.html"
    table_template = "orgs/_search_results.html"
    nav_active = "orgs"

    def search(self) -> str:
        return self.request.GET.get("q", "").strip()

    def filter_data(self) -> Any:
        return {"search": self.search()}

    def opened(self) -> OrgNode | None:
        wanted = self.request.GET.get("open", "")
        if not (wanted.isascii() and wanted.isdigit() and len(wanted) <= MAX_PK_DIGITS):
            return None
        return (
            OrgNode.objects.visible_to(self.request.user, self.action)
            .only(*NODE_LIST_FIELDS)
            .filter(pk=int(wanted))
            .first()
        )

    def list_context(self, rows: Any) -> dict[str, Any]:
        query = self.search()
        if query:
            return super().list_context(rows)  # page links keep the search, url-encoded
        user, today = self.request.user, clock.today()
        roots = scope_roots(user, self.action, only=NODE_LIST_FIELDS)
        hit = self.opened()
        if hit is None:
            return {"roots": outline.decorate(user, roots, today)}
        visible = OrgNode.objects.visible_to(user, self.action).only(*NODE_LIST_FIELDS)
        return {"roots": outline.path_to(visible, roots, hit, user, today), "hit": hit}

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {
            "q": self.search(),
            "can_settings": can_anywhere(self.request.user, OrgAction.COUNTY_SETTINGS),
            "tree_assets": True,
        }


class ChildrenView(ScopedDetailView):
    """The htmx partial that opens one node of the tree; ``?all=1`` opens its whole subtree
    (“全部展开”, up to ``outline.EXPAND_ALL_LIMIT`` nodes)."""

    queryset = OrgNode.objects.all()
    action = OrgAction.VIEW
    template_name = "orgs/_children.html"
    context_object_name = "parent"

    def get_context(self, obj: Any) -> dict[str, Any]:
        user, today = self.request.user, clock.today()
        visible = OrgNode.objects.visible_to(user, self.action).only(*NODE_LIST_FIELDS)
        if self.request.GET.get("all") == "1":
            nodes, complete = outline.whole_subtree(visible, obj, user, today)
            return {"nodes": nodes, "too_many": not complete, "limit": outline.EXPAND_ALL_LIMIT}
        kids = outline.ordered(visible.filter(parent_id=obj.pk))
        return {"nodes": outline.decorate(user, kids, today)}


PICK_LIMIT = 20
PICK_QUERY_CHARS = 50


def _pick_hint(node: OrgNode) -> str:
    parent = node.parent.name if node.parent is not None else ""
    return " · ".join(filter(None, [node.code, parent]))


class OrgPickView(ScopedView):
    """JSON for the searchable pickers: organisations (not dissolved) where the user may perform
    ``?for=<action>`` (the tree's own view by default), optionally of one ``?kind=``, whose name
    or code contains ``?q=``; at most ``PICK_LIMIT``, in tree order. An action the user holds
    nowhere is a 403, like the page it serves. Each answer's value is the pk, or the code with
    ``?value=code`` (for a form whose field is the code)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.GET.get("for", "") or OrgAction.VIEW
        require_action(request, action)
        rows = OrgNode.objects.visible_to(request.user, action).filter(dissolved_on__isnull=True)
        kind = request.GET.get("kind", "")
        if kind:
            rows = rows.filter(kind=kind) if kind in OrgKind.values else rows.none()
        query = request.GET.get("q", "").strip()[:PICK_QUERY_CHARS]
        if query:
            rows = rows.filter(Q(name__icontains=query) | Q(code__icontains=query))
        found = rows.select_related("parent").only("id", "name", "code", "parent__name")
        by_code = request.GET.get("value") == "code"  # a form that takes the code (grants)
        return JsonResponse(
            {
                "results": [
                    {
                        "value": node.code if by_code else node.pk,
                        "text": node.name,
                        "hint": _pick_hint(node),
                    }
                    for node in found.order_by("path")[:PICK_LIMIT]
                ]
            }
        )


tree = TreeView.as_view()
pick = OrgPickView.as_view()
children = ChildrenView.as_view()


class DetailView(ScopedDetailView):
    """One organisation: its profile, the panels other apps register, children and actions."""

    queryset = OrgNode.objects.select_related("parent", "enterprise")
    action = OrgAction.VIEW
    template_name = "orgs/detail.html"
    context_object_name = "node"
    nav_active = "orgs"

    def get_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        kids = OrgNode.objects.visible_to(user, self.action).filter(parent_id=obj.pk)
        can = {
            action.split(".")[1]: permits(user, action, path=obj.path, pk=obj.pk)
            for action in (OrgAction.ADD, OrgAction.CHANGE, OrgAction.MOVE, OrgAction.DISSOLVE)
        }
        child_kinds = [(k, OrgKind(k).label) for k in allowed_child_kinds(obj.kind)]
        upper = upper_party_org_of(obj) if obj.is_party_org else None
        return {
            "upper_party": upper,
            "upper_visible": upper is not None
            and permits(user, self.action, path=upper.path, pk=upper.pk),
            "needs_approval": obj.kind in services.APPROVED_KINDS,
            "setup_approval": services.current_setup_approval(obj)
            if obj.kind in services.APPROVED_KINDS
            else None,
            "panels": render_panels(ORG_DETAIL, self.request, obj),
            "profile": getattr(obj, "enterprise", None),
            "children": kids.only(*NODE_LIST_FIELDS),
            "breadcrumb": _breadcrumb(user, obj),
            "can": can,
            "child_kinds": child_kinds if not obj.is_dissolved else [],
        }


detail = DetailView.as_view()


def _kind_label(kind: str) -> str:
    return OrgKind(kind).label if kind in OrgKind.values else "组织"


def _is_ent_error(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and bool(
        set(exc.message_dict) & {"credit_code", "headcount", "payroll_prior_year"}
    )


class _OrgPage(ServiceFormView):
    """An organisation form page under the node's breadcrumb, back to the node afterwards."""

    nav_active = "orgs"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("orgs:detail", args=[obj.pk])

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {"node": obj, "breadcrumb": [*_breadcrumb(self.request.user, obj), (obj, True)]}


class _NodeForm(_OrgPage):
    """Create and edit: the node's form and, for an enterprise, its profile form beside it."""

    queryset = OrgNode.objects.all()
    template_name = "orgs/form.html"
    ent_form: EnterpriseForm | None = None

    def forms_valid(self, form: forms.BaseForm) -> bool:
        return form.is_valid() and (self.ent_form is None or self.ent_form.is_valid())

    def error_form(self, form: forms.BaseForm, exc: ValidationError) -> forms.BaseForm:
        return self.ent_form if self.ent_form and _is_ent_error(exc) else form

    def enterprise(self) -> services.EnterpriseFacts | None:
        return self.ent_form.facts() if self.ent_form else None


class CreateView(_NodeForm):
    action = OrgAction.ADD

    def get_form(self, obj: Any) -> forms.BaseForm:
        kinds = allowed_child_kinds(obj.kind)
        request = self.request
        self.kind = (
            request.GET.get("kind") or request.POST.get("kind") or (kinds[0] if kinds else "")
        )
        if self.kind == OrgKind.ENTERPRISE:
            self.ent_form = EnterpriseForm(request.POST or None, prefix="ent")
        return OrgForm(request.POST or None, allowed_kinds=kinds, initial={"kind": self.kind})

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.create_org(
            actor=actor,
            today=clock.today(),
            parent=obj,
            kind=data["kind"],
            code=data["code"],
            name=data["name"],
            short_name=data["short_name"],
            founded_on=data["founded_on"],
            enterprise=self.enterprise(),
        )

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已新建{result.get_kind_display()}“{result.name}”"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("orgs:detail", args=[(result or obj).pk])

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {
            "ent_form": self.ent_form,
            "parent": obj,
            "title": f"在“{obj.name}”下新建{_kind_label(self.kind)}",
            "breadcrumb": [*_breadcrumb(self.request.user, obj), (obj, True)],
        }


class EditView(_NodeForm):
    queryset = OrgNode.objects.select_related("enterprise")
    action = OrgAction.CHANGE
    success_message = "已保存"

    def get_form(self, obj: Any) -> forms.BaseForm:
        initial = {
            "kind": obj.kind,
            "code": obj.code,
            "name": obj.name,
            "short_name": obj.short_name,
            "founded_on": obj.founded_on,
            "version": obj.version,
        }
        form = OrgForm(self.request.POST or None, initial=initial, allowed_kinds=[obj.kind])
        form.fields["kind"].disabled = True
        if obj.kind == OrgKind.ENTERPRISE:
            profile = getattr(obj, "enterprise", None)
            ent_initial = (
                {f: getattr(profile, f) for f in services.ENTERPRISE_FIELDS} if profile else {}
            )
            self.ent_form = EnterpriseForm(
                self.request.POST or None, prefix="ent", initial=ent_initial
            )
        return form

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.update_org(
            obj,
            actor=actor,
            today=clock.today(),
            expected_version=data["version"] or 0,
            name=data["name"],
            code=data["code"],
            short_name=data["short_name"],
            founded_on=data["founded_on"],
            enterprise=self.enterprise(),
        )

    def get_title(self, obj: Any) -> str:
        return f"编辑“{obj.name}”"

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {**super().get_context(obj), "ent_form": self.ent_form}


class MoveView(_OrgPage):
    queryset = OrgNode.objects.all()
    action = OrgAction.MOVE
    form_class = MoveForm
    template_name = "orgs/action_form.html"
    submit_label = "移动"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        code = data["parent"].strip()
        target = OrgNode.objects.visible_to(actor, self.action).filter(code=code).first()
        if target is None:
            raise ValidationError({"parent": f"编码为“{code}”的组织不存在或不在您的授权范围内"})
        services.move_org(obj, actor=actor, new_parent=target)
        return target

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已将“{obj.name}”移动到“{result.name}”之下"

    def get_title(self, obj: Any) -> str:
        return f"移动“{obj.name}”"

    def get_context(self, obj: Any) -> dict[str, Any]:
        intro = "移动时其全部下级组织随之移动。不能移动到它自己的下级组织之下。"
        return {**super().get_context(obj), "intro": intro}


class DissolveView(_OrgPage):
    queryset = OrgNode.objects.all()
    action = OrgAction.DISSOLVE
    form_class = DissolveForm
    template_name = "orgs/action_form.html"
    submit_label = "确认撤销"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"dissolved_on": clock.today()}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.dissolve_org(
            obj, actor=actor, today=clock.today(), on=data["dissolved_on"], reason=data["reason"]
        )

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已撤销“{obj.name}”及其下级组织，共 {result} 个"

    def get_title(self, obj: Any) -> str:
        return f"撤销“{obj.name}”"

    def get_context(self, obj: Any) -> dict[str, Any]:
        active_below = (
            OrgNode.objects.filter(subtree_q("path", obj.path), dissolved_on__isnull=True)
            .exclude(pk=obj.pk)
            .count()
        )
        return {
            **super().get_context(obj),
            "danger": True,
            "confirm": "确认撤销该组织？撤销不可直接恢复。",
            "intro": (
                f"撤销后记录仍保留并标注撤销日期。"
                f"将同时撤销其下 {active_below} 个未撤销的下级组织。"
            ),
        }


class CountySettingsView(ServiceFormView):
    action = OrgAction.COUNTY_SETTINGS
    template_name = "orgs/county_settings.html"
    nav_active = "orgs"
    success_message = "县级设置已保存"

    def get_form(self, obj: Any) -> forms.BaseForm:
        return CountySettingsForm(self.request.POST or None, instance=CountySettings.current())

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.update_county_settings(actor=actor, values=data)

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("orgs:county_settings")


class SetupApprovalView(_OrgPage):
    """The upper organisation's approval for a 党委 or 党总支 below the regulation's size."""

    queryset = OrgNode.objects.all()
    action = OrgAction.CHANGE
    form_class = SetupApprovalForm
    template_name = "orgs/action_form.html"
    success_message = "已登记设立批准"

    def get_title(self, obj: Any) -> str:
        return f"登记{obj.get_kind_display()}设立批准：{obj.name}"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        current = services.current_setup_approval(obj)
        if current is not None:
            return {
                "approving_body": current.approving_body,
                "approval_ref": current.approval_ref,
                "approved_on": current.approved_on,
            }
        upper = upper_party_org_of(obj)
        return {"approving_body": upper.name if upper else "", "approved_on": clock.today()}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.record_setup_approval(actor=actor, org=obj, **data)


create = CreateView.as_view()
edit = EditView.as_view()
move = MoveView.as_view()
dissolve = DissolveView.as_view()
county_settings = CountySettingsView.as_view()
setup_approval = SetupApprovalView.as_view()
