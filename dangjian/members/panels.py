"""The registry's home panel: member structure by age, education and standing, in the user's
scope, in one query. Every bar and every figure opens the member list it counts."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.panels import HOME, Panel, register_panel
from dangjian.core.permissions import can_anywhere
from dangjian.members.choices import Education, MemberStatus
from dangjian.members.filtersets import _years_ago
from dangjian.members.models import Member
from dangjian.members.permissions import MemberAction

# (label, lowest age, highest age) — the list's 年龄不小于/不大于 filters, inclusive.
AGE_BANDS = (
    ("35岁及以下", 0, 35),
    ("36至45岁", 36, 45),
    ("46至55岁", 46, 55),
    ("56岁及以上", 56, 120),
)
STANDINGS = (MemberStatus.FULL, MemberStatus.PROBATIONARY)


def _age_q(low: int, high: int, today: date) -> Q:
    return Q(birth_date__lte=_years_ago(low, today), birth_date__gt=_years_ago(high + 1, today))


def member_structure(request: HttpRequest, _: Any) -> dict[str, Any] | None:
    user = request.user
    if not can_anywhere(user, MemberAction.VIEW):
        return None
    today = clock.today()
    buckets: dict[str, Q] = {}
    for status in STANDINGS:
        for i, (_, low, high) in enumerate(AGE_BANDS):
            buckets[f"age{i}_{status}"] = _age_q(low, high, today) & Q(status=status)
        for edu in Education:
            buckets[f"edu_{edu.value}_{status}"] = Q(education=edu.value, status=status)
        buckets[f"edu__{status}"] = Q(education="", status=status)
    buckets["suspended"] = Q(status=MemberStatus.SUSPENDED)
    counts = Member.objects.visible_to(user, MemberAction.VIEW).aggregate(
        **{key: Count("id", filter=q) for key, q in buckets.items()}
    )
    in_service = sum(counts[f"age{i}_{s}"] for s in STANDINGS for i in range(len(AGE_BANDS)))
    if not in_service and not counts["suspended"]:
        return None
    members = reverse("members:list")

    def link(**params: Any) -> str:
        return f"{members}?{urlencode(params)}"

    def series(keys: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        return [
            {
                "name": MemberStatus(status).label,
                "values": [counts[f"{key}_{status}"] for key, _ in keys],
                "urls": [link(**params, status=status) for _, params in keys],
            }
            for status in STANDINGS
        ]

    ages = [
        (f"age{i}", {"age_min": low, "age_max": high}) for i, (_, low, high) in enumerate(AGE_BANDS)
    ]
    educations = [
        (f"edu_{edu.value}", {"education": edu.value})
        for edu in Education
        if any(counts[f"edu_{edu.value}_{s}"] for s in STANDINGS)
    ]
    standing = [
        (
            MemberStatus(s).label,
            sum(counts[f"age{i}_{s}"] for i in range(len(AGE_BANDS))),
            link(status=s),
        )
        for s in STANDINGS
    ]
    if counts["suspended"]:
        standing.append(
            (MemberStatus.SUSPENDED.label, counts["suspended"], link(status=MemberStatus.SUSPENDED))
        )
    return {
        "age_chart": {"labels": [label for label, *_ in AGE_BANDS], "series": series(ages)},
        "education_chart": {
            "labels": [Education(key.removeprefix("edu_")).label for key, _ in educations],
            "series": series(educations),
        },
        "standing": standing,
        "in_service": in_service,
        "list_url": members,
    }


def register_panels() -> None:
    register_panel(
        HOME, Panel("members.structure", "members/panels/home_structure.html", member_structure, 20)
    )
