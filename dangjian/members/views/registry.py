from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.converters import MAX_PK_DIGITS
from dangjian.core.forms import apply_service_errors
from dangjian.core.permissions import can_anywhere
from dangjian.core.scoping import permits
from dangjian.core.views import get_scoped_or_404, require_action
from dangjian.members import services
from dangjian.members.choices import IN_SERVICE, MemberStatus
from dangjian.members.filtersets import MemberFilterSet
from dangjian.members.forms import MemberForm, edit_initial
from dangjian.members.models import CommunityRegistration, Member
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import (
    completed_years,
    id_like,
    lost_contact_review_months,
    mask_id,
    party_standing_years,
    suspension_review_due,
)
from dangjian.members.views.movements import ACTIONS
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import CountySettings, OrgNode
from dangjian.orgs.permissions import OrgAction

LIST_FIELDS = (
    "id",
    "name",
    "id_number_masked",
    "gender",
    "birth_date",
    "post",
    "status",
    "full_on",
    "org__name",
    "org__path",
    "party_group__name",
)


ID_SEARCHES = "member_id_searches"  # session key: token → (blind index, masked ID)
KEPT_SEARCHES = 10


def _remember_id_search(request: HttpRequest, id_number: str) -> str:
    """A full ID number typed into the search box never goes into a URL (browser history,
    bookmarks, forwarded links): the session keeps its blind index under a random token."""
    searches: dict[str, list[str]] = dict(request.session.get(ID_SEARCHES, {}))
    token = secrets.token_urlsafe(9)
    searches[token] = [services.id_index(id_number), mask_id(id_number)]
    request.session[ID_SEARCHES] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return token


def id_search(request: HttpRequest, params: QueryDict) -> tuple[str, str] | None:
    token = params.get("idq", "")
    found = request.session.get(ID_SEARCHES, {}).get(token) if token else None
    return (found[0], found[1]) if found else None


def filtered_members(
    request: HttpRequest, action: str = MemberAction.VIEW, params: QueryDict | None = None
) -> MemberFilterSet:
    params = request.GET if params is None else params
    queryset = (
        Member.objects.visible_to(request.user, action)
        .select_related("org", "party_group")
        .only(*LIST_FIELDS)
        .order_by("org__path", "name", "id")
    )
    if params.get("idq"):
        found = id_search(request, params)
        queryset = queryset.filter(id_number_index=found[0]) if found else queryset.none()
    filters = params.copy()
    filters.pop("idq", None)
    filterset = MemberFilterSet(filters or None, queryset=queryset)
    for field in filterset.form.fields.values():
        field.widget.attrs.setdefault("class", "form-control form-control-sm")
    return filterset


def _typed_id(source: QueryDict) -> str | None:
    """The first search value shaped like an ID number (any of them, however it was typed)."""
    return next(filter(None, map(id_like, source.getlist("search"))), None)


def _search_params(request: HttpRequest, source: QueryDict) -> QueryDict:
    """What the filter form asked for, as a query string without any ID number in it."""
    params = QueryDict(mutable=True)
    for key, values in source.lists():
        kept = [value for value in values if value.strip()]  # short, readable URLs
        if kept and key != "csrfmiddlewaretoken":
            params.setlist(key, kept)
    if params.get("search", "").strip():
        params.pop("idq", None)  # a new search replaces the previous ID search
    typed = _typed_id(params)
    if typed is not None:
        params.pop("search")
        params["idq"] = _remember_id_search(request, typed)
        params.pop("page", None)
    return params


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    require_action(request, MemberAction.VIEW)
    params: QueryDict = request.GET
    if request.method == "POST" or _typed_id(params) is not None:
        # The form posts; a typed or old link with ?search=<ID> is moved out of the URL too.
        params = _search_params(request, request.POST if request.method == "POST" else params)
        if request.method != "POST" or not request.htmx:  # type: ignore[attr-defined]
            moved = HttpResponseRedirect(f"{reverse('members:list')}?{params.urlencode()}")
            moved.status_code = 303  # "see other": the browser follows with GET
            return moved
    filterset = filtered_members(request, params=params)
    # A filter that was not understood shows nothing rather than everyone (as the export does).
    listed = filterset.qs.none() if filterset.errors else filterset.qs
    page = Paginator(listed, 50).get_page(params.get("page"))
    today = clock.today()
    rows = [
        (m, completed_years(m.birth_date, today), party_standing_years(m.full_on, today))
        for m in page
    ]
    query = params.copy()
    query.pop("page", None)
    scope_id = params.get("org", "")
    searched = id_search(request, params)
    context = {
        "filterset": filterset,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "nav_active": "members",
        "can_export": can_anywhere(request.user, MemberAction.EXPORT),
        "can_import": can_anywhere(request.user, MemberAction.IMPORT),
        "scope_node": OrgNode.objects.visible_to(request.user, OrgAction.VIEW)
        .filter(pk=int(scope_id))
        .only("id", "name")
        .first()
        if scope_id.isascii() and scope_id.isdigit() and len(scope_id) <= MAX_PK_DIGITS
        else None,
        "id_search": searched,
        "id_search_lost": bool(params.get("idq")) and searched is None,
    }
    template = "members/_table.html" if request.htmx else "members/list.html"  # type: ignore[attr-defined]
    response = render(request, template, context)
    if request.method == "POST":
        response["HX-Push-Url"] = f"{reverse('members:list')}?{query.urlencode()}"
    return response


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(
        request, Member.objects.select_related("org", "party_group"), MemberAction.VIEW, pk
    )
    today = clock.today()
    path = member.org.path
    can = {
        name: permits(request.user, action, path=path, pk=member.org_id)
        for name, action in (("change", MemberAction.CHANGE), ("reveal", MemberAction.REVEAL))
    }
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "nav_active": "members",
            "can": can,
            "age": completed_years(member.birth_date, today),
            "standing": party_standing_years(member.full_on, today),
            "events": member.events.all()[:100],
            "transfers": member.transfers_out.all(),
            "mobility": member.mobility.all(),
            "community": CommunityRegistration.objects.filter(member=member).first(),
            "services": member.services.all()[:20],
            "actions": [(slug, spec.title) for slug, spec in ACTIONS.items()],
        },
    )


def _groups(branch: OrgNode) -> list[tuple[int, str]]:
    return list(
        OrgNode.objects.filter(
            parent=branch, kind=OrgKind.PARTY_GROUP, dissolved_on__isnull=True
        ).values_list("pk", "name")
    )


@login_required
def member_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    branch = get_scoped_or_404(request, OrgNode.objects.all(), MemberAction.ADD, org_pk)
    form = MemberForm(
        request.POST or None, groups=_groups(branch), initial={"status": MemberStatus.FULL}
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = services.register_member(
                actor=request.user,
                org=branch,
                data=form.member_data(),
                today=clock.today(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记党员“{member.name}”")
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/form.html",
        {
            "form": form,
            "title": f"在“{branch.name}”登记党员",
            "nav_active": "members",
            "cancel": f"/orgs/{branch.pk}/",
        },
    )


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(
        request, Member.objects.select_related("org"), MemberAction.CHANGE, pk
    )
    initial = edit_initial(member)
    form = MemberForm(
        request.POST or None, initial=initial, groups=_groups(member.org), current=member
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(
                member,
                actor=request.user,
                today=clock.today(),
                expected_version=form.cleaned_data["version"] or 0,
                data=form.member_data(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/form.html",
        {
            "form": form,
            "title": f"编辑“{member.name}”",
            "nav_active": "members",
            "cancel": f"/members/{member.pk}/",
        },
    )


@login_required
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    member = get_scoped_or_404(
        request, Member.objects.select_related("org"), MemberAction.REVEAL, pk
    )
    full = services.reveal_id_number(member, actor=request.user)
    return render(request, "members/_revealed.html", {"value": full})


@login_required
def dual_registration(request: HttpRequest) -> HttpResponse:
    """双报到: per enterprise, in-service members not yet registered with a community."""
    require_action(request, MemberAction.VIEW)
    members = (
        Member.objects.visible_to(request.user, MemberAction.VIEW)
        .filter(status__in=IN_SERVICE)
        .annotate(registered=Exists(CommunityRegistration.objects.filter(member=OuterRef("pk"))))
    )
    enterprises = (
        OrgNode.objects.visible_to(request.user, OrgAction.VIEW)
        .filter(kind=OrgKind.ENTERPRISE)
        .only("id", "name", "path")
    )
    by_path: dict[str, dict[str, Any]] = {
        e.path: {"org": e, "total": 0, "missing": 0} for e in enterprises
    }
    for row in members.values("org__path").annotate(
        total=Count("id"), missing=Count("id", filter=Q(registered=False))
    ):
        path = row["org__path"]
        # The deepest enterprise above the branch owns it (enterprises may nest).
        owner = next(
            (by_path[path[:k]] for k in range(len(path), 0, -4) if path[:k] in by_path), None
        )
        if owner is not None:
            owner["total"] += row["total"]
            owner["missing"] += row["missing"]
    rows = [entry for entry in by_path.values() if entry["total"]]
    for entry in rows:
        entry["rate"] = round((entry["total"] - entry["missing"]) * 100 / entry["total"])
    unregistered = (
        members.filter(registered=False)
        .select_related("org")
        .only("id", "name", "org__name", "org__path", "post")[:500]
    )
    return render(
        request,
        "members/dual_registration.html",
        {
            "rows": rows,
            "unregistered": unregistered,
            "nav_active": "members",
        },
    )


@login_required
def suspension_review(request: HttpRequest) -> HttpResponse:
    """Lost contact for six months or more (R2; a county may lengthen it): due for 停止党籍 review,
    by the same date function as the service (``rules.suspension_review_due``)."""
    require_action(request, MemberAction.VIEW)
    months = lost_contact_review_months(CountySettings.current().lost_contact_review_months)
    today = clock.today()
    lost = (
        Member.objects.visible_to(request.user, MemberAction.VIEW)
        .filter(status=MemberStatus.LOST_CONTACT)
        .select_related("org")
        .only("id", "name", "lost_contact_since", "org__name", "org__path")
        .order_by("lost_contact_since")
    )

    def due(member: Member) -> bool:
        return suspension_review_due(member.lost_contact_since, today, months=months)

    return render(
        request,
        "members/suspension_review.html",
        {
            "due": [m for m in lost if due(m)],
            "waiting": [m for m in lost if not due(m)],
            "months": months,
            "nav_active": "members",
        },
    )
