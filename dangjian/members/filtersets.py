"""One filter definition for the member list page, its export and the API list."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import Q
from django.http import QueryDict

from dangjian.core import clock
from dangjian.core.converters import ID_BOUNDS
from dangjian.core.scoping import subtree_q
from dangjian.members.choices import IN_SERVICE, Education, MemberStatus
from dangjian.members.models import Member
from dangjian.members.rules import id_like
from dangjian.members.selectors import current_q, full_q, rights_suspended_q, voting_q, watched_q
from dangjian.members.services import id_index


def _years_ago(years: int, today: date) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# Management states beside the standing (ADR 0026), for members in service.
MANAGEMENT_STATES = [
    ("mobile", "流动党员"),
    ("lost_contact", "失联党员"),
    ("watch", "留党察看期间"),
    ("rights_suspended", "党员权利中止"),
    ("no_vote", "正式党员中无表决权的"),
]


# Who the list shows: the current members (``selectors.current_q``, the default on the page) or
# the history (everyone else).
ROLLS = [
    ("current", "在册党员"),  # 正式、预备
    ("former", "历史记录"),  # 停止党籍、已转出、出党、死亡
    ("all", "全部"),
]
DEFAULT_ROLL = "current"


def with_default_roll(params: Any) -> Any:
    """The page's default: current members only, unless the query names a roll or a standing
    (a 党籍状态 asked for by name is shown whatever the roll)."""
    if params and (params.get("roll") or params.get("status")):
        return params
    filled = params.copy() if params else QueryDict(mutable=True)
    filled["roll"] = DEFAULT_ROLL
    return filled


class MemberFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="姓名或完整身份证号码")
    org = django_filters.NumberFilter(method="filter_subtree", label="组织（含下级）", **ID_BOUNDS)
    branch = django_filters.NumberFilter(field_name="org_id", label="党支部ID", **ID_BOUNDS)
    status = django_filters.ChoiceFilter(choices=MemberStatus.choices, label="党籍状态")
    state = django_filters.ChoiceFilter(
        choices=MANAGEMENT_STATES, method="filter_state", label="管理状态"
    )
    roll = django_filters.ChoiceFilter(
        choices=ROLLS, method="filter_roll", label="名册范围", empty_label=None
    )
    post = django_filters.CharFilter(field_name="post", lookup_expr="icontains", label="工作岗位")
    education = django_filters.ChoiceFilter(choices=Education.choices, label="学历")
    # Bounded so a stray value is a form error (400 over the API), never a date out of range.
    age_min = django_filters.NumberFilter(
        method="filter_age_min", label="年龄不小于", min_value=0, max_value=120, decimal_places=0
    )
    age_max = django_filters.NumberFilter(
        method="filter_age_max", label="年龄不大于", min_value=0, max_value=120, decimal_places=0
    )
    standing_min = django_filters.NumberFilter(
        method="filter_standing",
        label="党龄不少于（年）",
        min_value=0,
        max_value=100,
        decimal_places=0,
    )

    class Meta:
        model = Member
        fields = ["search", "org", "branch", "roll", "status", "state", "post"]

    def filter_roll(self, queryset: Any, name: str, value: str) -> Any:
        if value == "current":
            return queryset.filter(current_q())
        if value == "former":
            return queryset.exclude(current_q())
        return queryset

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        typed = id_like(value)
        if typed is not None:
            # A full ID number is matched through the blind index, never by decrypting rows.
            return queryset.filter(id_number_index=id_index(typed))
        return queryset.filter(name__icontains=value)

    def filter_state(self, queryset: Any, name: str, value: str) -> Any:
        today = clock.today()
        lookups = {
            "mobile": Q(mobile_since__isnull=False),
            "lost_contact": Q(lost_contact_since__isnull=False),
            "watch": watched_q(today),
            "rights_suspended": rights_suspended_q(today),
            "no_vote": full_q() & ~voting_q(today),
        }
        return queryset.filter(lookups[value], status__in=IN_SERVICE)

    def filter_subtree(self, queryset: Any, name: str, value: int) -> Any:
        from dangjian.orgs.models import OrgNode

        node = OrgNode.objects.filter(pk=value).only("path").first()
        return queryset.filter(subtree_q("org__path", node.path)) if node else queryset.none()

    def filter_age_min(self, queryset: Any, name: str, value: int) -> Any:
        return queryset.filter(birth_date__lte=_years_ago(int(value), clock.today()))

    def filter_age_max(self, queryset: Any, name: str, value: int) -> Any:
        born_after = _years_ago(int(value) + 1, clock.today())
        return queryset.filter(birth_date__gt=born_after)

    def filter_standing(self, queryset: Any, name: str, value: int) -> Any:
        latest = _years_ago(int(value), clock.today())
        return queryset.filter(Q(full_on__lte=latest))
