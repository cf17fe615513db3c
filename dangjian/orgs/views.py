from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dangjian.core import clock
from dangjian.core.forms import apply_service_errors
from dangjian.core.panels import ORG_DETAIL, render_panels
from dangjian.core.permissions import can_anywhere
from dangjian.core.scoping import permits, subtree_q
from dangjian.core.views import get_scoped_or_404, require_action
from dangjian.orgs import services
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.forms import (
    CountySettingsForm,
    DissolveForm,
    EnterpriseForm,
    MoveForm,
    OrgForm,
)
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


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    require_action(request, OrgAction.VIEW)
    query = request.GET.get("q", "").strip()
    context: dict[str, Any] = {
        "nav_active": "orgs",
        "q": query,
        "can_settings": can_anywhere(request.user, OrgAction.COUNTY_SETTINGS),
    }
    if query:
        results = (
            OrgNode.objects.visible_to(request.user, OrgAction.VIEW)
            .filter(Q(name__icontains=query) | Q(code__icontains=query))
            .select_related("parent")
            .only(*NODE_LIST_FIELDS, "parent__name")
        )
        context["page"] = Paginator(results, 50).get_page(request.GET.get("page"))
        context["query"] = f"q={query}"
    else:
        context["roots"] = scope_roots(request.user, OrgAction.VIEW, only=NODE_LIST_FIELDS)
    return render(request, "orgs/tree.html", context)


@login_required
def children(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_scoped_or_404(request, OrgNode.objects.all(), OrgAction.VIEW, pk)
    kids = (
        OrgNode.objects.visible_to(request.user, OrgAction.VIEW)
        .filter(parent_id=node.pk)
        .only(*NODE_LIST_FIELDS)
    )
    return render(request, "orgs/_children.html", {"nodes": kids, "parent": node})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_scoped_or_404(
        request, OrgNode.objects.select_related("parent", "enterprise"), OrgAction.VIEW, pk
    )
    kids = OrgNode.objects.visible_to(request.user, OrgAction.VIEW).filter(parent_id=node.pk)
    can = {
        action.split(".")[1]: permits(request.user, action, path=node.path, pk=node.pk)
        for action in (OrgAction.ADD, OrgAction.CHANGE, OrgAction.MOVE, OrgAction.DISSOLVE)
    }
    child_kinds = [(k, OrgKind(k).label) for k in allowed_child_kinds(node.kind)]
    return render(
        request,
        "orgs/detail.html",
        {
            "nav_active": "orgs",
            "node": node,
            "panels": render_panels(ORG_DETAIL, request, node),
            "profile": getattr(node, "enterprise", None),
            "children": kids.only(*NODE_LIST_FIELDS),
            "breadcrumb": _breadcrumb(request.user, node),
            "can": can,
            "child_kinds": child_kinds if not node.is_dissolved else [],
        },
    )


@login_required
def create(request: HttpRequest, pk: int) -> HttpResponse:
    parent = get_scoped_or_404(request, OrgNode.objects.all(), OrgAction.ADD, pk)
    kinds = allowed_child_kinds(parent.kind)
    kind = request.GET.get("kind") or request.POST.get("kind") or (kinds[0] if kinds else "")
    form = OrgForm(request.POST or None, allowed_kinds=kinds, initial={"kind": kind})
    is_enterprise = kind == OrgKind.ENTERPRISE
    ent_form = EnterpriseForm(request.POST or None, prefix="ent") if is_enterprise else None
    if request.method == "POST" and form.is_valid() and (ent_form is None or ent_form.is_valid()):
        data = form.cleaned_data
        try:
            node = services.create_org(
                actor=request.user,
                today=clock.today(),
                parent=parent,
                kind=data["kind"],
                code=data["code"],
                name=data["name"],
                short_name=data["short_name"],
                founded_on=data["founded_on"],
                enterprise=ent_form.facts() if ent_form else None,
            )
        except ValidationError as exc:
            apply_service_errors(ent_form if ent_form and _is_ent_error(exc) else form, exc)
        else:
            messages.success(request, f"已新建{node.get_kind_display()}“{node.name}”")
            return redirect("orgs:detail", pk=node.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "nav_active": "orgs",
            "form": form,
            "ent_form": ent_form,
            "parent": parent,
            "title": f"在“{parent.name}”下新建{_kind_label(kind)}",
            "breadcrumb": [*_breadcrumb(request.user, parent), (parent, True)],
        },
    )


def _kind_label(kind: str) -> str:
    return OrgKind(kind).label if kind in OrgKind.values else "组织"


def _is_ent_error(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and bool(
        set(exc.message_dict) & {"credit_code", "headcount", "payroll_prior_year"}
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_scoped_or_404(
        request, OrgNode.objects.select_related("enterprise"), OrgAction.CHANGE, pk
    )
    profile = getattr(node, "enterprise", None)
    initial = {
        "kind": node.kind,
        "code": node.code,
        "name": node.name,
        "short_name": node.short_name,
        "founded_on": node.founded_on,
        "version": node.version,
    }
    form = OrgForm(request.POST or None, initial=initial, allowed_kinds=[node.kind])
    form.fields["kind"].disabled = True
    ent_form = None
    if node.kind == OrgKind.ENTERPRISE:
        ent_initial = (
            {f: getattr(profile, f) for f in services.ENTERPRISE_FIELDS} if profile else {}
        )
        ent_form = EnterpriseForm(request.POST or None, prefix="ent", initial=ent_initial)
    if request.method == "POST" and form.is_valid() and (ent_form is None or ent_form.is_valid()):
        data = form.cleaned_data
        try:
            services.update_org(
                node,
                actor=request.user,
                today=clock.today(),
                expected_version=data["version"] or 0,
                name=data["name"],
                code=data["code"],
                short_name=data["short_name"],
                founded_on=data["founded_on"],
                enterprise=ent_form.facts() if ent_form else None,
            )
        except ValidationError as exc:
            apply_service_errors(ent_form if ent_form and _is_ent_error(exc) else form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("orgs:detail", pk=node.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "nav_active": "orgs",
            "form": form,
            "ent_form": ent_form,
            "node": node,
            "title": f"编辑“{node.name}”",
            "breadcrumb": [*_breadcrumb(request.user, node), (node, True)],
        },
    )


@login_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_scoped_or_404(request, OrgNode.objects.all(), OrgAction.MOVE, pk)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["parent"].strip()
        target = OrgNode.objects.visible_to(request.user, OrgAction.MOVE).filter(code=code).first()
        if target is None:
            form.add_error("parent", f"编码为“{code}”的组织不存在或不在您的授权范围内")
        else:
            try:
                services.move_org(node, actor=request.user, new_parent=target)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"已将“{node.name}”移动到“{target.name}”之下")
                return redirect("orgs:detail", pk=node.pk)
    return render(
        request,
        "orgs/action_form.html",
        {
            "nav_active": "orgs",
            "form": form,
            "node": node,
            "title": f"移动“{node.name}”",
            "submit": "移动",
            "breadcrumb": [*_breadcrumb(request.user, node), (node, True)],
            "intro": "移动时其全部下级组织随之移动。不能移动到它自己的下级组织之下。",
        },
    )


@login_required
def dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    node = get_scoped_or_404(request, OrgNode.objects.all(), OrgAction.DISSOLVE, pk)
    form = DissolveForm(request.POST or None, initial={"dissolved_on": clock.today()})
    active_below = (
        OrgNode.objects.filter(subtree_q("path", node.path), dissolved_on__isnull=True)
        .exclude(pk=node.pk)
        .count()
    )
    if request.method == "POST" and form.is_valid():
        try:
            count = services.dissolve_org(
                node,
                actor=request.user,
                today=clock.today(),
                on=form.cleaned_data["dissolved_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已撤销“{node.name}”及其下级组织，共 {count} 个")
            return redirect("orgs:detail", pk=node.pk)
    return render(
        request,
        "orgs/action_form.html",
        {
            "nav_active": "orgs",
            "form": form,
            "node": node,
            "title": f"撤销“{node.name}”",
            "submit": "确认撤销",
            "danger": True,
            "breadcrumb": [*_breadcrumb(request.user, node), (node, True)],
            "intro": (
                f"撤销后记录仍保留并标注撤销日期。"
                f"将同时撤销其下 {active_below} 个未撤销的下级组织。"
            ),
        },
    )


@login_required
def county_settings(request: HttpRequest) -> HttpResponse:
    require_action(request, OrgAction.COUNTY_SETTINGS)
    form = CountySettingsForm(request.POST or None, instance=CountySettings.current())
    if request.method == "POST" and form.is_valid():
        try:
            services.update_county_settings(actor=request.user, values=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "县级设置已保存")
            return redirect("orgs:county_settings")
    return render(request, "orgs/county_settings.html", {"form": form, "nav_active": "orgs"})
