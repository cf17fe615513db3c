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
    short = [
        m.pk
        for m in made_full
        if m.full_on and m.admitted_on and m.full_on < probation_ends(m.admitted_on)
    ]
    assert short == []
