from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dangjian.core import clock
from dangjian.core.forms import apply_service_errors
from dangjian.core.views import get_scoped_or_404, require_action
from dangjian.governance import services
from dangjian.governance.forms import (
    ElectionForm,
    ExtensionForm,
    LeaderForm,
    SeatForm,
    UnityExceptionForm,
)
from dangjian.governance.models import CommitteeSeat, CommitteeTerm
from dangjian.governance.permissions import GovernanceAction
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import CountySettings, OrgNode
from dangjian.orgs.permissions import OrgAction


def _form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    title: str,
    back: int,
    run: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("orgs:detail", pk=back)
    return render(
        request,
        "governance/form.html",
        {"form": form, "title": title, "back": back, "nav_active": "orgs"},
    )


@login_required
def election(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_scoped_or_404(request, OrgNode.objects.all(), GovernanceAction.CHANGE, org_pk)
    return _form_page(
        request,
        form=ElectionForm(request.POST or None),
        title=f"登记换届选举：{org.name}",
        back=org.pk,
        done="已登记新一届委员会",
        run=lambda d: services.record_election(actor=request.user, org=org, **d),
    )


@login_required
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    term = get_scoped_or_404(
        request, CommitteeTerm.objects.select_related("org"), GovernanceAction.CHANGE, pk
    )
    return _form_page(
        request,
        form=ExtensionForm(request.POST or None),
        title=f"延期换届：{term.org.name}",
        back=term.org_id,
        done="已登记延期",
        run=lambda d: services.extend_term(
            term,
            actor=request.user,
            until=d["extended_until"],
            approval_ref=d["approval_ref"],
            today=clock.today(),
        ),
    )


@login_required
def seat(request: HttpRequest, pk: int) -> HttpResponse:
    term = get_scoped_or_404(
        request, CommitteeTerm.objects.select_related("org"), GovernanceAction.CHANGE, pk
    )
    candidates = (
        services.seat_candidates(term, request.user)
        .order_by("name", "pk")
        .values_list("pk", "name")[:1000]
    )
    extra = [
        label.strip()
        for label in CountySettings.current().extra_committee_posts.split(",")
        if label.strip()
    ]
    form = SeatForm(
        request.POST or None,
        members=list(candidates),
        extra_posts=extra,
        initial={"assigned_on": term.elected_on},
    )

    def run(data: dict[str, Any]) -> Any:
        member = (
            services.seat_candidates(term, request.user)
            .select_related("org")
            .filter(pk=int(data["member"]))
            .first()
        )
        if member is None:
            raise ValidationError({"member": "所选党员不属于本组织"})
        post, _, label = data["post"].partition(":")
        return services.assign_seat(
            term,
            actor=request.user,
            post=post,
            member=member,
            assigned_on=data["assigned_on"],
            post_label=label or data["post_label"],
        )

    return _form_page(
        request,
        form=form,
        title=f"配备委员：{term.org.name}",
        back=term.org_id,
        done="已配备",
        run=run,
    )


@login_required
def seat_remove(request: HttpRequest, pk: int) -> HttpResponse:
    seat_obj = get_scoped_or_404(
        request, CommitteeSeat.objects.select_related("term__org"), GovernanceAction.CHANGE, pk
    )
    if request.method == "POST":
        services.remove_seat(seat_obj, actor=request.user)
        messages.success(request, "已免去职务")
    return redirect("orgs:detail", pk=seat_obj.term.org_id)


@login_required
def leader(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_scoped_or_404(request, OrgNode.objects.all(), GovernanceAction.CHANGE, org_pk)
    return _form_page(
        request,
        form=LeaderForm(request.POST or None, initial={"since": clock.today()}),
        title=f"登记领导人员：{org.name}",
        back=org.pk,
        done="已登记",
        run=lambda d: services.set_leader(actor=request.user, org=org, **d),
    )


@login_required
def unity_exception(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_scoped_or_404(request, OrgNode.objects.all(), GovernanceAction.CHANGE, org_pk)
    form = UnityExceptionForm(request.POST or None, initial={"on": clock.today()})
    return _form_page(
        request,
        form=form,
        title=f"登记一肩挑例外：{org.name}",
        back=org.pk,
        done="已登记原因",
        run=lambda d: services.record_unity_exception(actor=request.user, org=org, **d),
    )


@login_required
def unity(request: HttpRequest) -> HttpResponse:
    """County list: chairman is not the Party secretary and no reason is recorded."""
    require_action(request, OrgAction.VIEW)
    enterprises = OrgNode.objects.visible_to(request.user, OrgAction.VIEW).filter(
        kind=OrgKind.ENTERPRISE, dissolved_on__isnull=True
    )
    return render(
        request,
        "governance/unity.html",
        {"rows": services.unity_gaps(enterprises), "nav_active": "governance"},
    )
