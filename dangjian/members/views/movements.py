from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dangjian.core import clock
from dangjian.core.actors import Actor
from dangjian.core.forms import apply_service_errors
from dangjian.core.permissions import Action
from dangjian.core.views import get_scoped_or_404, require_action
from dangjian.members import movements
from dangjian.members.choices import TransferStatus
from dangjian.members.forms import (
    CommunityForm,
    DateOnlyForm,
    MobilityForm,
    MoveForm,
    RejectForm,
    ServiceForm,
    SuspendForm,
    TransferInForm,
    TransferOutForm,
)
from dangjian.members.models import Member, TransferIn, TransferOut
from dangjian.orgs.models import OrgNode


def _move(member: Member, actor: Actor, data: dict[str, Any]) -> None:
    target = (
        OrgNode.objects.visible_to(actor, Action.MEMBER_ADD)
        .filter(code=data["to_org"].strip())
        .first()
    )
    if target is None:
        raise ValidationError({"to_org": "党支部编码不存在或不在您的授权范围内"})
    movements.move_member(member, actor=actor, to_org=target, on=data["on"])


@dataclass(frozen=True)
class MemberAction:
    title: str
    form: type[forms.Form]
    run: Callable[[Member, Any, dict[str, Any]], Any]
    done: str
    errors_as: dict[str, str] = field(default_factory=dict)  # service argument → form field


ACTIONS: dict[str, MemberAction] = {
    "move": MemberAction("平台内转移", MoveForm, _move, "已完成转移"),
    "transfer-out": MemberAction(
        "开具组织关系介绍信（转出）",
        TransferOutForm,
        lambda m, a, d: movements.issue_transfer_out(m, actor=a, **d),
        "已开具介绍信",
    ),
    "mobile-out": MemberAction(
        "登记外出流动",
        MobilityForm,
        lambda m, a, d: movements.start_mobility(m, actor=a, **d),
        "已登记为流动党员",
    ),
    "mobile-back": MemberAction(
        "登记流动返回",
        DateOnlyForm,
        lambda m, a, d: movements.end_mobility(m, actor=a, returned_on=d["on"]),
        "已登记返回",
        {"returned_on": "on"},
    ),
    "lost-contact": MemberAction(
        "标记失联",
        DateOnlyForm,
        lambda m, a, d: movements.mark_lost_contact(m, actor=a, since=d["on"]),
        "已标记失联",
        {"since": "on"},
    ),
    "restore-contact": MemberAction(
        "恢复联系",
        DateOnlyForm,
        lambda m, a, d: movements.restore_contact(m, actor=a, on=d["on"]),
        "已恢复联系",
    ),
    "suspend": MemberAction(
        "停止党籍",
        SuspendForm,
        lambda m, a, d: movements.suspend_membership(m, actor=a, **d),
        "已停止党籍",
    ),
    "community": MemberAction(
        "社区报到（双报到）",
        CommunityForm,
        lambda m, a, d: movements.register_with_community(m, actor=a, **d),
        "已登记社区报到",
    ),
    "service": MemberAction(
        "社区服务记录",
        ServiceForm,
        lambda m, a, d: movements.record_service(m, actor=a, **d),
        "已记录社区服务",
    ),
}


@login_required
def member_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    spec = ACTIONS.get(name)
    if spec is None:
        raise Http404
    member = get_scoped_or_404(
        request, Member.objects.select_related("org"), Action.MEMBER_CHANGE, pk
    )
    today = clock.today()
    dates = ("on", "issued_on", "left_on", "registered_on", "served_on")
    form = spec.form(request.POST or None, initial=dict.fromkeys(dates, today))
    if request.method == "POST" and form.is_valid():
        try:
            spec.run(member, request.user, form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc, spec.errors_as)
        else:
            messages.success(request, spec.done)
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/action.html",
        {
            "form": form,
            "title": f"{spec.title}：{member.name}",
            "member": member,
            "nav_active": "members",
        },
    )


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    require_action(request, Action.MEMBER_VIEW)
    incoming = (
        TransferIn.objects.visible_to(request.user, Action.MEMBER_VIEW)
        .select_related("org")
        .order_by("-received_on")[:200]
    )
    outgoing = (
        TransferOut.objects.visible_to(request.user, Action.MEMBER_VIEW)
        .select_related("member", "member__org")
        .order_by("-issued_on")[:200]
    )
    return render(
        request,
        "members/transfers.html",
        {
            "incoming": incoming,
            "outgoing": outgoing,
            "today": clock.today(),
            "nav_active": "members",
        },
    )


@login_required
def transfer_in_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    branch = get_scoped_or_404(request, OrgNode.objects.all(), Action.MEMBER_ADD, org_pk)
    form = TransferInForm(request.POST or None, initial={"received_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            movements.receive_transfer_in(actor=request.user, org=branch, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已登记转入介绍信，待接收")
            return redirect("members:transfers")
    return render(
        request,
        "members/action.html",
        {"form": form, "title": f"登记转入：{branch.name}", "nav_active": "members"},
    )


@login_required
def transfer_in_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("accept", "reject"):
        raise Http404
    incoming = get_scoped_or_404(
        request, TransferIn.objects.select_related("org"), Action.MEMBER_ADD, pk
    )
    form = RejectForm(request.POST or None) if decision == "reject" else None
    if request.method == "POST":
        try:
            if decision == "accept":
                member = movements.accept_transfer_in(
                    incoming, actor=request.user, on=clock.today()
                )
                messages.success(request, f"已接收，{member.name}已登记在{incoming.org.name}")
                return redirect("members:detail", pk=member.pk)
            if form is not None and form.is_valid():
                movements.reject_transfer_in(
                    incoming, actor=request.user, on=clock.today(), **form.cleaned_data
                )
                messages.success(request, "已退回")
                return redirect("members:transfers")
        except ValidationError as exc:
            if form is None:
                messages.error(request, "；".join(exc.messages))
                return redirect("members:transfers")
            apply_service_errors(form, exc)
    if decision == "accept":
        return redirect("members:transfers")
    return render(
        request,
        "members/action.html",
        {"form": form, "title": f"退回转入：{incoming.name}", "nav_active": "members"},
    )


@login_required
def transfer_out_complete(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_scoped_or_404(
        request, TransferOut.objects.select_related("member__org"), Action.MEMBER_CHANGE, pk
    )
    if request.method == "POST" and transfer.status == TransferStatus.PENDING:
        try:
            movements.complete_transfer_out(transfer, actor=request.user, on=clock.today())
        except ValidationError as exc:  # completed meanwhile in another tab
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"{transfer.member.name}的组织关系已转出")
    return redirect("members:detail", pk=transfer.member_id)
