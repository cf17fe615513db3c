from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q

from dangjian.core.converters import ID_BOUNDS
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode


class OrgNodeFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="名称或编码包含")
    parent = django_filters.NumberFilter(field_name="parent_id", label="上级组织ID", **ID_BOUNDS)
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices, label="类型")
    dissolved = django_filters.BooleanFilter(
        field_name="dissolved_on", lookup_expr="isnull", exclude=True, label="已撤销"
    )

    class Meta:
        model = OrgNode
        fields = ["search", "parent", "kind", "dissolved"]

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))
