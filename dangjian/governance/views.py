from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.generic import (
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
)
from dangjian.core.scoping import permits
from dangjian.governance import services
from dangjian.governance.forms import (
    ElectionForm,
    ExtensionForm,
    LeaderForm,
    SeatForm,
    SeatRemoveForm,
    SeatUpperForm,
    UnityExceptionForm,
)
from dangjian.governance.models import CommitteeSeat, CommitteeTerm
from dangjian.governance.permissions import GovernanceAction
from dangjian.governance.services import COMMITTEE_KINDS
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.hierarchy import upper_party_org_of
from dangjian.orgs.models import CountySettings, OrgNode


class _GovernanceForm(ServiceFormView):
    """Every governance form changes one organisation and goes back to its page."""

    action = GovernanceAction.CHANGE
    nav_active = "orgs"

    def org_of(self, obj: Any) -> OrgNode:
        return obj

    def get_title(self, obj: Any) -> str:
        return f"{self.title}：{self.org_of(obj).name}"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("orgs:detail", args=[self.org_of(obj).pk])


class _OrgForm(_GovernanceForm):
    queryset = OrgNode.objects.all()
    pk_url_kwarg = "org_pk"


class _TermForm(_GovernanceForm):
    queryset = CommitteeTerm.objects.select_related("org")

    def org_of(self, obj: Any) -> OrgNode:
        return obj.org


def _upper_intro(org: OrgNode) -> dict[str, Any]:
    """Which organisation approves the secretaries and receives the members' 备案."""
    upper = upper_party_org_of(org)
    if upper is None:
        return {
            "intro": "本组织的上级党组织不在本平台内：书记、副书记的批准和委员的备案按其要求办理。"
        }
    return {"intro": f"上级党组织：{upper.name}（书记、副书记报其批准，其他委员报其备案）。"}


class ElectionView(_OrgForm):
    form_class = ElectionForm
    title = "登记换届选举"
    success_message = "已登记新一届委员会"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.record_election(actor=actor, org=obj, **data)


class LeaderView(_OrgForm):
    form_class = LeaderForm
    title = "登记领导人员"
    success_message = "已登记"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"since": clock.today()}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.set_leader(actor=actor, org=obj, **data)


class UnityExceptionView(_OrgForm):
    form_class = UnityExceptionForm
    title = "登记书记、董事长分设情况"
    success_message = "已登记原因"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"on": clock.today()}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.record_unity_exception(actor=actor, org=obj, **data)


class ExtendView(_TermForm):
    form_class = ExtensionForm
    title = "延期换届"
    success_message = "已登记延期"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.extend_term(
            obj,
            actor=actor,
            until=data["extended_until"],
            approval_ref=data["approval_ref"],
            today=clock.today(),
        )


class SeatView(_TermForm):
    form_class = SeatForm
    title = "登记委员（补选、届中调整）"
    success_message = "已登记委员"

    def get_context(self, obj: Any) -> dict[str, Any]:
        return _upper_intro(obj.org)

    def get_form(self, obj: Any) -> forms.BaseForm:
        candidates = (
            services.post_eligible(services.seat_candidates(obj, self.request.user), clock.today())
            .order_by("name", "pk")
            .values_list("pk", "name")[:1000]
        )
        extra = [
            label.strip()
            for label in CountySettings.current().extra_committee_posts.split(",")
            if label.strip()
        ]
        return SeatForm(
            self.request.POST or None,
            members=list(candidates),
            extra_posts=extra,
            initial={"assigned_on": obj.elected_on},
        )

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        member = (
            services.seat_candidates(obj, actor)
            .select_related("org")
            .filter(pk=int(data["member"]))
            .first()
        )
        if member is None:
            raise ValidationError({"member": "所选党员不属于本组织"})
        post, _, label = data["post"].partition(":")
        return services.assign_seat(
            obj,
            actor=actor,
            post=post,
            member=member,
            assigned_on=data["assigned_on"],
            post_label=label or data["post_label"],
            upper_ref=data.get("upper_ref") or "",
            upper_on=data.get("upper_on"),
        )


class SeatUpperView(_GovernanceForm):
    """Record the upper organisation's 批准 or 备案 on a seat already held."""

    queryset = CommitteeSeat.objects.select_related("term__org", "member")
    form_class = SeatUpperForm
    title = "登记上级党组织批准或备案"
    success_message = "已登记"

    def org_of(self, obj: Any) -> OrgNode:
        return obj.term.org

    def get_title(self, obj: Any) -> str:
        return f"登记上级党组织{obj.upper_kind}：{obj.title} {obj.member.name}"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"upper_ref": obj.upper_ref, "upper_on": obj.upper_on}

    def get_context(self, obj: Any) -> dict[str, Any]:
        return _upper_intro(obj.term.org)

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.record_seat_upper(obj, actor=actor, **data)


class SeatRemoveView(_GovernanceForm):
    """届中调整 (免去): the member no longer holds the post from the date given. The page asks
    for that date and a confirmation: the seat is gone once removed."""

    queryset = CommitteeSeat.objects.select_related("term__org", "member")
    form_class = SeatRemoveForm
    submit_label = "确认免去"
    success_message = "已登记届中调整，该委员不再担任此职务"

    def org_of(self, obj: Any) -> OrgNode:
        return obj.term.org

    def get_title(self, obj: Any) -> str:
        return f"届中调整（免去）：{obj.member.name}不再担任{obj.title}"

    def get_initial(self, obj: Any) -> dict[str, Any]:
        return {"on": clock.today()}

    def get_form(self, obj: Any) -> forms.BaseForm:
        return SeatRemoveForm(
            self.request.POST or None,
            initial=self.get_initial(obj),
            today=clock.today(),
            earliest=obj.assigned_on,
            earliest_label="任职日期",
        )

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {"danger": True}

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.remove_seat(obj, actor=actor, on=data["on"])


class UnityView(ScopedListView):
    """County list: chairman is not the Party secretary and no reason is recorded."""

    queryset = OrgNode.objects.filter(kind=OrgKind.ENTERPRISE, dissolved_on__isnull=True)
    action = GovernanceAction.VIEW
    template_name = "governance/unity.html"
    nav_active = "governance"

    def list_context(self, rows: Any) -> dict[str, Any]:
        user = self.request.user
        gaps = services.unity_gaps(rows)
        for gap in gaps:  # the button only where the user may record the reason
            org = gap["org"]
            gap["can_record"] = permits(user, GovernanceAction.CHANGE, path=org.path, pk=org.pk)
        return {"rows": gaps}


election = ElectionView.as_view()
extend = ExtendView.as_view()
seat = SeatView.as_view()
seat_upper = SeatUpperView.as_view()
seat_remove = SeatRemoveView.as_view()
leader = LeaderView.as_view()
unity_exception = UnityExceptionView.as_view()
unity = UnityView.as_view()


class StructureReportView(ScopedDetailView):
    """An organisation's structure-check report on one A4 sheet: its findings with their
    sources, the committee and its term, the enterprise's leadership (constant queries)."""

    queryset = OrgNode.objects.select_related("parent")
    action = GovernanceAction.VIEW
    template_name = "governance/structure_report.html"
    context_object_name = "node"
    nav_active = "orgs"

    def get_context(self, obj: Any) -> dict[str, Any]:
        today = clock.today()
        context = services.governance_context(obj, today=today)
        findings = context["findings"]
        user = self.request.user
        return {
            **context,
            "today": today,
            "upper": upper_party_org_of(obj),
            "has_committee": obj.kind in COMMITTEE_KINDS,
            "errors": sum(1 for f in findings if f.level == "error"),
            "warnings": sum(1 for f in findings if f.level == "warning"),
            "notes": sum(1 for f in findings if f.level not in ("error", "warning")),
            "printed_by": getattr(user, "full_name", "") or user.get_username(),
        }


structure_report = StructureReportView.as_view()
