"""A member's record on one A4 sheet (党员基本信息表): a scoped page with a print stylesheet.

The identity number is shown masked, as on the member page before a reveal: a sheet on paper
leaves the platform's audit trail, so it never carries the full number."""

from __future__ import annotations

from typing import Any

from dangjian.core import clock
from dangjian.core.generic import ScopedDetailView
from dangjian.members.models import CommunityRegistration, Member
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import completed_years, party_standing_years
from dangjian.members.views.registry import management_states
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

EVENTS_ON_SHEET = 12  # what fits below the record on one page


class MemberSheetView(ScopedDetailView):
    queryset = Member.objects.select_related("org", "party_group")
    action = MemberAction.VIEW
    template_name = "members/member_sheet.html"
    context_object_name = "member"
    nav_active = "members"

    def get_context(self, obj: Any) -> dict[str, Any]:
        today = clock.today()
        enterprise = OrgNode.objects.get_ancestors(obj.org).filter(kind=OrgKind.ENTERPRISE).last()
        user = self.request.user
        return {
            "today": today,
            "age": completed_years(obj.birth_date, today),
            "standing": party_standing_years(obj.full_on, today),
            "enterprise": enterprise,
            "states": management_states(obj, today),
            "community": CommunityRegistration.objects.filter(member=obj).first(),
            "events": obj.events.all()[:EVENTS_ON_SHEET],
            "letters": [
                (letter, letter.state_label_on(today))
                for letter in obj.transfers_out.order_by("-issued_on", "-id")[:3]
            ],
            "printed_by": getattr(user, "full_name", "") or user.get_username(),
        }


member_sheet = MemberSheetView.as_view()
