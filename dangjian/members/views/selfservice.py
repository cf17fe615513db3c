"""我的党员信息: a member's own record, timeline and 双报到 self-report; and the branch's
confirmation or return of such a report (on the 双报到 page).

The own page is scoped to the account's linked record alone: no role decides, the link does
(another member's page is a 404 and a denial entry, as for an object out of scope)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.api import record_denial_if_exists
from dangjian.core.generic import ConfirmActionView, ScopedView, ServiceFormView
from dangjian.members import selfreport
from dangjian.members.forms import CommunityReportForm, RejectForm
from dangjian.members.models import CommunityRegistration, CommunityReport, Member
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import completed_years, party_standing_years
from dangjian.members.views.registry import management_states


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The menu's 我的党员信息: the account's own record page, or 404 without one."""
    member = selfreport.own_member(request.user)
    if member is None:
        raise Http404("您的账号没有关联党员信息")
    return HttpResponseRedirect(reverse("members:self", args=[member.pk]))


class OwnRecord(ScopedView):
    """The member record linked to the signed-in account; any other pk is a 404 (audited)."""

    def get_object(self) -> Member:
        pk = self.kwargs["pk"]
        found = (
            Member.objects.select_related("org", "party_group")
            .filter(pk=pk, account_id=self.request.user.pk)
            .first()
        )
        if found is None:
            record_denial_if_exists(self.request, Member.objects.all(), pk)
            raise Http404("没有找到该党员信息")
        return found


class SelfPageView(OwnRecord, ServiceFormView):
    """The record (masked, as on the member page), the timeline, 双报到 and the report form."""

    template_name = "members/self.html"
    nav_active = "self"
    success_message = "已提交社区报到情况，等待党支部确认"

    def get_form(self, obj: Member) -> forms.BaseForm:
        return CommunityReportForm(self.request.POST or None)

    def run(self, obj: Member, actor: Any, data: dict[str, Any]) -> Any:
        return selfreport.submit_report(
            actor=actor,
            community=data["community"],
            reported_on=data["reported_on"],
            today=clock.today(),
            now=clock.now(),
        )

    def get_success_url(self, obj: Member, result: Any) -> str:
        return reverse("members:self", args=[obj.pk])

    def get_context(self, obj: Member) -> dict[str, Any]:
        today = clock.today()
        return {
            "member": obj,
            "age": completed_years(obj.birth_date, today),
            "standing": party_standing_years(obj.full_on, today),
            "states": management_states(obj, today),
            "events": obj.events.all()[:100],
            "community": CommunityRegistration.objects.filter(member=obj).first(),
            "reports": list(obj.community_reports.select_related("decided_by")[:20]),
            "refusal": selfreport.report_refusal(obj),
        }


class _BranchDecision:
    """The branch's decision on a pending report: scoped to the member's branch for
    ``member.change``, as the clerk's own registration is."""

    queryset = CommunityReport.objects.select_related("member__org")
    action = MemberAction.CHANGE
    nav_active = "members"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("members:dual_registration")


class ReportConfirmView(_BranchDecision, ConfirmActionView):
    template_name = "members/report_confirm.html"
    title = "确认社区报到"
    submit_label = "确认报到"

    def run(self, obj: CommunityReport, actor: Any) -> Any:
        return selfreport.confirm_report(obj, actor=actor, today=clock.today(), now=clock.now())

    def get_success_message(self, obj: CommunityReport, result: Any) -> str:
        return f"已确认“{obj.member.name}”到{obj.community}报到"

    def get_context(self, obj: CommunityReport) -> dict[str, Any]:
        return {"report": obj}


class ReportReturnView(_BranchDecision, ServiceFormView):
    form_class = RejectForm
    template_name = "members/report_return.html"
    submit_label = "退回"

    def get_title(self, obj: CommunityReport) -> str:
        return f"退回“{obj.member.name}”的社区报到"

    def run(self, obj: CommunityReport, actor: Any, data: dict[str, Any]) -> Any:
        return selfreport.return_report(obj, actor=actor, reason=data["reason"], now=clock.now())

    def get_success_message(self, obj: CommunityReport, result: Any) -> str:
        return f"已退回“{obj.member.name}”的社区报到"

    def get_context(self, obj: CommunityReport) -> dict[str, Any]:
        return {"report": obj}


self_page = SelfPageView.as_view()
report_confirm = ReportConfirmView.as_view()
report_return = ReportReturnView.as_view()
