"""The demo county's members served a full year of probation (党章 第七条)."""

from __future__ import annotations

import pytest

from dangjian.members.models import Member
from dangjian.members.rules import probation_ends

pytestmark = pytest.mark.django_db


def test_demo_probations_last_a_full_year(org) -> None:
    org("CT01-ZB1")  # the demo county is loaded
    made_full = Member.objects.filter(full_on__isnull=False, admitted_on__isnull=False)
    assert made_full.exists()
    pairs = made_full.values_list("pk", "admitted_on", "full_on")
    short = [pk for pk, admitted, full in pairs if full < probation_ends(admitted)]
    assert short == []
