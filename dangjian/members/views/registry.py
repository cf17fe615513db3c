from __future__ import annotations

import secrets
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.urls import reverse

from dangjian.accounts.names import display_names
from dangjian.core import clock
from dangjian.core.converters import MAX_PK_DIGITS
from dangjian.core.generic import (
    ConfirmActionView,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
)
from dangjian.core.paging import PAGE_KEYS, page_query
from dangjian.core.permissions import can_anywhere
from dangjian.core.scoping import permits, subtree_q
from dangjian.core.views import require_action
from dangjian.members import services
from dangjian.members.choices import IN_SERVICE, MemberStatus, ReportStatus
from dangjian.members.fields import MANAGEMENT_STATES
from dangjian.members.filtersets import MemberFilterSet, with_default_roll
from dangjian.members.forms import MemberForm, edit_initial
from dangjian.members.models import CommunityRegistration, CommunityReport, Member
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import (
    completed_years,
    has_voting_rights,
    id_like,
    lost_contact_review_months,
    mask_id,
    party_standing_years,
    strike_off_due,
    suspension_review_due,
    under_watch,
)
from dangjian.members.selectors import roster
from dangjian.members.views.movements import ACTIONS, letter_row
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


def with_id_search(request: HttpRequest, queryset: Any, params: QueryDict) -> Any:
    """``?idq=<token>``: the ID number searched for earlier, by its blind index (an unknown or
    expired token finds nobody)."""
    if not params.get("idq"):
        return queryset
    found = id_search(request, params)
    return queryset.filter(id_number_index=found[0]) if found else queryset.none()


def _filter_params(params: QueryDict) -> QueryDict | None:
    """What the FilterSet reads: everything but the ID-search token, current members unless
    the query asks for another roll (``filtersets.with_default_roll``)."""
    filters = params.copy()
    filters.pop("idq", None)
    return with_default_roll(filters)


def styled(filterset: MemberFilterSet) -> MemberFilterSet:
    for field in filterset.form.fields.values():
        field.widget.attrs.setdefault("class", "form-control form-control-sm")
    return filterset


def filtered_members(
    request: HttpRequest, action: str = MemberAction.VIEW, params: QueryDict | None = None
) -> MemberFilterSet:
    """The list's rows and filters for another page (the export): the same queryset, ID search
    and FilterSet as ``MemberListView``."""
    params = request.GET if params is None else params
    queryset = MemberListView.queryset.visible_to(request.user, action)
    queryset = with_id_search(request, queryset, params)
    return styled(MemberFilterSet(_filter_params(params), queryset=queryset))


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
        for key in PAGE_KEYS:
            params.pop(key, None)
    return params


# The list's order, as a user sees it: organisation, then name, ties by id. The list is paged by
# a keyset cursor on it (ADR 0025), so a deep page costs what the first one does.
LIST_ORDER = ("org__path", "name", "id")


class MemberListView(ScopedListView):
    """The registry list. The filter form posts (htmx swaps the table and pushes the URL), so a
    full ID number typed into it is moved into the session behind a token before any URL holds
    it; a typed or old link with ``?search=<ID>`` is moved out of the URL the same way."""

    queryset = (
        Member.objects.select_related("org", "party_group").only(*LIST_FIELDS).order_by(*LIST_ORDER)
    )
    keyset = LIST_ORDER
    action = MemberAction.VIEW
    filterset_class = MemberFilterSet
    template_name = "members/list.html"
    table_template = "members/_table.html"
    nav_active = "members"
    params: QueryDict

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _typed_id(request.GET) is None:
            self.params = request.GET
            return super().get(request)
        require_action(request, self.action)
        return self.moved(_search_params(request, request.GET))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_action(request, self.action)
        self.params = _search_params(request, request.POST)
        if not request.htmx:  # type: ignore[attr-defined]
            return self.moved(self.params)
        response = super().get(request)
        response["HX-Push-Url"] = f"{reverse('members:list')}?{self.query()}"
        return response

    def moved(self, params: QueryDict) -> HttpResponse:
        moved = HttpResponseRedirect(f"{reverse('members:list')}?{params.urlencode()}")
        moved.status_code = 303  # "see other": the browser follows with GET
        return moved

    def query(self) -> str:
        return page_query(self.params)

    def paging_params(self) -> QueryDict:
        return self.params

    def get_queryset(self) -> Any:
        return with_id_search(self.request, super().get_queryset(), self.params)

    def filter_data(self) -> Any:
        return _filter_params(self.params)

    def get_filterset(self, data: Any, queryset: Any) -> Any:
        return styled(super().get_filterset(data, queryset))

    def list_context(self, rows: Any) -> dict[str, Any]:
        paged = self.paginate(rows)
        today = clock.today()
        return {
            **paged,
            # The figure the org page's 党员名册 button and the 双报到 page show for the same
            # scope (one count over the filtered rows).
            "total": rows.count(),
            "rows": [
                (m, completed_years(m.birth_date, today), party_standing_years(m.full_on, today))
                for m in paged["page"]
            ],
        }

    def get_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        scope_id = self.params.get("org", "")
        searched = id_search(self.request, self.params)
        return {
            "can_export": can_anywhere(user, MemberAction.EXPORT),
            "can_import": can_anywhere(user, MemberAction.IMPORT),
            "can_add": can_anywhere(user, MemberAction.ADD),
            "scope_node": OrgNode.objects.visible_to(user, OrgAction.VIEW)
            .filter(pk=int(scope_id))
            .only("id", "name")
            .first()
            if scope_id.isascii() and scope_id.isdigit() and len(scope_id) <= MAX_PK_DIGITS
            else None,
            "id_search": searched,
            "id_search_lost": bool(self.params.get("idq")) and searched is None,
        }


def _mobile(member: Member, today: Any) -> str | None:
    return f"流动党员（{member.mobile_since:%Y-%m-%d}外出）" if member.mobile_since else None


def _lost(member: Member, today: Any) -> str | None:
    since = member.lost_contact_since
    return f"失联（{since:%Y-%m-%d}起）" if since else None


def _watch(member: Member, today: Any) -> str | None:
    if not under_watch(member.watch_from, member.watch_until, today):
        return None
    return f"留党察看（至{member.watch_until:%Y-%m-%d}）"


def _rights(member: Member, today: Any) -> str | None:
    if not member.rights_suspended_since:
        return None
    reason = member.get_rights_suspension_display()
    return f"党员权利中止（{reason}，{member.rights_suspended_since:%Y-%m-%d}起）"


# Each management state's columns (``fields.MANAGEMENT_STATES``) and its words on the page.
DESCRIBED: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("mobile_since",), _mobile),
    (("lost_contact_since",), _lost),
    (("watch_from", "watch_until"), _watch),
    (("rights_suspended_since", "rights_suspension"), _rights),
)
if {column for columns, _ in DESCRIBED for column in columns} != set(MANAGEMENT_STATES):
    raise TypeError("every management state needs its words on the member page, and only those")


def management_states(member: Member, today: Any) -> list[str]:
    """What overlaps the member's standing today, in words for the member page (ADR 0026)."""
    states = [words for _, describe in DESCRIBED if (words := describe(member, today))]
    if member.status == MemberStatus.FULL and not has_voting_rights(
        member.status,
        on=today,
        watch_from=member.watch_from,
        watch_until=member.watch_until,
        rights_suspended_since=member.rights_suspended_since,
    ):
        states.append("无表决权、选举权和被选举权")
    return states


class MemberDetailView(ScopedDetailView):
    queryset = Member.objects.select_related("org", "party_group")
    action = MemberAction.VIEW
    template_name = "members/detail.html"
    context_object_name = "member"
    nav_active = "members"

    def get_context(self, obj: Any) -> dict[str, Any]:
        today = clock.today()
        path = obj.org.path
        can = {
            name: permits(self.request.user, action, path=path, pk=obj.org_id)
            for name, action in (("change", MemberAction.CHANGE), ("reveal", MemberAction.REVEAL))
        }
        events = list(obj.events.all()[:100])
        names = display_names(e.actor_username for e in events)
        for event in events:  # the timeline names people, not login names
            event.actor_display = names.get(event.actor_username, event.actor_username)
        return {
            "can": can,
            "age": completed_years(obj.birth_date, today),
            "standing": party_standing_years(obj.full_on, today),
            "events": events,
            "transfers": [
                letter_row(t, self.request.user, today)
                for t in obj.transfers_out.select_related("reissued_as").order_by(
                    "-issued_on", "-id"
                )
            ],
            "mobility": obj.mobility.all(),
            "community": CommunityRegistration.objects.filter(member=obj).first(),
            "pending_report": obj.community_reports.filter(status=ReportStatus.PENDING).first(),
            "services": obj.services.all()[:20],
            "actions": [(slug, spec.title) for slug, spec in ACTIONS.items() if spec.applies(obj)],
            "states": management_states(obj, today),
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # As the function view answered: a POST is read like GET, not a 405.
        return self.get(request, *args, **kwargs)


def _groups(branch: OrgNode) -> list[tuple[int, str]]:
    return list(
        OrgNode.objects.filter(
            parent=branch, kind=OrgKind.PARTY_GROUP, dissolved_on__isnull=True
        ).values_list("pk", "name")
    )


class _MemberFormView(ServiceFormView):
    """Registration and edit share ``members/form.html``; the service reads the form's
    ``MemberData`` (``member_data()``), not the cleaned fields."""

    template_name = "members/form.html"
    nav_active = "members"
    form: MemberForm

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("members:detail", args=[result.pk])


class MemberCreateView(_MemberFormView):
    queryset = OrgNode.objects.all()
    action = MemberAction.ADD
    pk_url_kwarg = "org_pk"

    def get_form(self, obj: Any) -> MemberForm:
        self.form = MemberForm(
            self.request.POST or None, groups=_groups(obj), initial={"status": MemberStatus.FULL}
        )
        return self.form

    def get_title(self, obj: Any) -> str:
        return f"在“{obj.name}”登记党员"

    def cancel_url(self, obj: Any) -> str:
        return reverse("orgs:detail", args=[obj.pk])

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.register_member(
            actor=actor, org=obj, data=self.form.member_data(), today=clock.today()
        )

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已登记党员“{result.name}”"


class MemberEditView(_MemberFormView):
    queryset = Member.objects.select_related("org")
    action = MemberAction.CHANGE
    success_message = "已保存"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return edit_initial(obj)  # from the field list in members/fields.py

    def get_form(self, obj: Any) -> MemberForm:
        self.form = MemberForm(
            self.request.POST or None,
            initial=self.get_initial(obj),
            groups=_groups(obj.org),
            current=obj,
        )
        return self.form

    def get_title(self, obj: Any) -> str:
        return f"编辑“{obj.name}”"

    def cancel_url(self, obj: Any) -> str:
        return reverse("members:detail", args=[obj.pk])

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        services.update_member(
            obj,
            actor=actor,
            today=clock.today(),
            expected_version=data["version"] or 0,
            data=self.form.member_data(),
        )
        return obj

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("members:detail", args=[obj.pk])


member_list = MemberListView.as_view()
member_detail = MemberDetailView.as_view()
member_create = MemberCreateView.as_view()
member_edit = MemberEditView.as_view()


class MemberRevealView(ConfirmActionView):
    """POST only (a GET is a 405): the full ID number as an htmx partial; every reveal audited."""

    queryset = Member.objects.select_related("org")
    action = MemberAction.REVEAL
    http_method_names = ["post"]

    def run(self, obj: Any, actor: Any) -> Any:
        return services.reveal_id_number(obj, actor=actor)

    def success_response(self, obj: Any, result: Any) -> HttpResponse:
        return self.render_page({"value": result}, "members/_revealed.html")


member_reveal = MemberRevealView.as_view()


class DualRegistrationView(ScopedListView):
    """双报到: per enterprise (or per branch where the user sees no enterprise above it), the
    current members (``selectors.roster``, the same rows as the default member list) and how
    many have not registered with a community; below, the members' own reports waiting for the
    branch's confirmation."""

    queryset = Member.objects.all()
    action = MemberAction.VIEW
    template_name = "members/dual_registration.html"
    nav_active = "members"
    shown_unregistered = 500

    def get_rows(self, request: HttpRequest) -> tuple[Any, Any]:
        require_action(request, self.action)
        return roster(request.user), None

    def list_context(self, rows: Any) -> dict[str, Any]:
        members = rows.annotate(
            registered=Exists(CommunityRegistration.objects.filter(member=OuterRef("pk")))
        )
        enterprises = (
            OrgNode.objects.visible_to(self.request.user, OrgAction.VIEW)
            .filter(kind=OrgKind.ENTERPRISE)
            .only("id", "name", "path")
        )
        by_path = {e.path: e for e in enterprises}
        groups: dict[int, dict[str, Any]] = {}
        for row in members.values("org_id", "org__path", "org__name").annotate(
            total=Count("id"), missing=Count("id", filter=Q(registered=False))
        ):
            path = row["org__path"]
            # The deepest enterprise above the branch owns it (enterprises may nest); a branch
            # whose enterprise the user cannot see is its own row.
            owner = next(
                (by_path[path[:k]] for k in range(len(path), 0, -4) if path[:k] in by_path), None
            )
            key, name = (owner.pk, owner.name) if owner else (row["org_id"], row["org__name"])
            entry = groups.setdefault(key, {"pk": key, "name": name, "total": 0, "missing": 0})
            entry["total"] += row["total"]
            entry["missing"] += row["missing"]
        report = sorted(groups.values(), key=lambda e: e["name"])
        for entry in report:
            entry["rate"] = round((entry["total"] - entry["missing"]) * 100 / entry["total"])
        total = sum(e["total"] for e in report)
        missing = sum(e["missing"] for e in report)
        unregistered = list(
            members.filter(registered=False)
            .select_related("org")
            .only("id", "name", "org__name", "org__path", "post")
            .order_by("org__path", "name", "id")[: self.shown_unregistered]
        )
        user = self.request.user
        waiting = (
            CommunityReport.objects.visible_to(user, self.action)
            .filter(status=ReportStatus.PENDING)
            .select_related("member__org")
            .order_by("submitted_at", "id")
        )
        pending = [
            (r, permits(user, MemberAction.CHANGE, path=r.member.org.path, pk=r.member.org_id))
            for r in waiting
        ]
        return {
            "rows": report,
            "total": total,
            "missing": missing,
            "unregistered": unregistered,
            "shown_unregistered": self.shown_unregistered,
            "pending": pending,
        }


class SuspensionReviewView(ScopedListView):
    """Lost contact for six months or more (R2; a county may lengthen it): due for 停止党籍 review,
    by the same date function as the service (``rules.suspension_review_due``). Below it, members
    suspended for two years: due for the 除名 decision (``rules.strike_off_due``)."""

    queryset = (
        Member.objects.filter(status__in=IN_SERVICE, lost_contact_since__isnull=False)
        .select_related("org")
        .only("id", "name", "lost_contact_since", "org__name", "org__path")
        .order_by("lost_contact_since", "id")
    )
    action = MemberAction.VIEW
    template_name = "members/suspension_review.html"
    nav_active = "members"

    def list_context(self, rows: Any) -> dict[str, Any]:
        months = lost_contact_review_months(CountySettings.current().lost_contact_review_months)
        today = clock.today()

        def due(member: Member) -> bool:
            return suspension_review_due(member.lost_contact_since, today, months=months)

        lost = list(rows)
        suspended = list(
            Member.objects.visible_to(self.request.user, self.action)
            .filter(status=MemberStatus.SUSPENDED)
            .select_related("org")
            .only("id", "name", "suspended_on", "org__name", "org__path")
            .order_by("suspended_on", "id")
        )
        user = self.request.user
        may_change = {
            m.pk
            for m in (*lost, *suspended)
            if permits(user, MemberAction.CHANGE, path=m.org.path, pk=m.org_id)
        }
        return {
            "may_change": may_change,
            "due": [m for m in lost if due(m)],
            "waiting": [m for m in lost if not due(m)],
            "months": months,
            "strike_off": [m for m in suspended if strike_off_due(m.suspended_on, today)],
            "suspended": [m for m in suspended if not strike_off_due(m.suspended_on, today)],
        }


PICK_LIMIT = 20
PICK_QUERY_CHARS = 50


class MemberPickView(ScopedListView):
    """JSON for the member pickers: members in service the user may see whose name contains
    ``?q=``, optionally within one organisation's subtree (``?org=<pk>``, itself in scope);
    name and branch only, never an ID number. At most ``PICK_LIMIT``."""

    queryset = Member.objects.filter(status__in=IN_SERVICE)
    action = MemberAction.VIEW

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rows, _ = self.get_rows(request)
        within = request.GET.get("org", "")
        if within:
            node = (
                OrgNode.objects.visible_to(request.user, self.action)
                .filter(pk=int(within))
                .only("path")
                .first()
                if within.isascii() and within.isdigit() and len(within) <= MAX_PK_DIGITS
                else None
            )
            rows = rows.filter(subtree_q("org__path", node.path)) if node else rows.none()
        query = request.GET.get("q", "").strip()[:PICK_QUERY_CHARS]
        if query:
            rows = rows.filter(name__icontains=query)
        found = rows.select_related("org").only("id", "name", "org__name", "org__path")
        return JsonResponse(
            {
                "results": [
                    {"value": m.pk, "text": m.name, "hint": m.org.name}
                    for m in found.order_by("org__path", "name", "id")[:PICK_LIMIT]
                ]
            }
        )


member_pick = MemberPickView.as_view()
dual_registration = DualRegistrationView.as_view()
suspension_review = SuspensionReviewView.as_view()
