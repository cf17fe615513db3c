"""Issue 10's done-when, through the pages as ``secretary1`` would: a branch of seven full
members (one away, one out of touch) elects a committee, one member is 副书记兼纪检委员, and a
预备党员 is neither offered nor accepted for any post."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.governance.models import CommitteeSeat, CommitteeTerm
from dangjian.members import movements
from dangjian.members.tests.factories import make_member

pytestmark = pytest.mark.django_db
TESTS = SystemActor("tests")


def test_secretary1_seats_a_deputy_who_is_also_discipline_member_but_no_probationer(
    client_for, org
) -> None:
    branch = org("CT01-ZB1")
    full = [make_member(branch, name=f"委员{i}") for i in range(7)]
    movements.start_mobility(full[5], actor=TESTS, place="杭州市", left_on=date(2026, 3, 1))
    movements.mark_lost_contact(full[6], actor=TESTS, since=date(2026, 2, 1))
    trainee = make_member(
        branch,
        name="预备甲",
        status="probationary",
        full_on=None,
        admitted_on=clock.today() - timedelta(days=60),
    )
    client = client_for("secretary1")
    elected = clock.today() - timedelta(days=10)
    response = client.post(
        f"/governance/org/{branch.pk}/election/", {"elected_on": elected, "term_years": 3}
    )
    assert response.status_code == 302
    term = CommitteeTerm.objects.get(org=branch, ended_on__isnull=True)  # the demo had one
    url = f"/governance/term/{term.pk}/seat/"
    form = client.get(url).content.decode()
    assert "委员1" in form and "预备甲" not in form  # the form offers full members only

    def seat(post: str, member) -> Any:
        return client.post(
            url,
            {
                "post": post,
                "member": member.pk,
                "assigned_on": elected,
                "upper_ref": "X党发〔2026〕1号",
                "upper_on": elected,
            },
        )

    for post, member in [
        ("secretary", full[0]),
        ("deputy_secretary", full[1]),
        ("discipline", full[1]),
        ("organisation", full[2]),
        ("publicity", full[3]),
    ]:
        assert seat(post, member).status_code == 302, post
    posts = set(
        CommitteeSeat.objects.filter(term=term, member=full[1]).values_list("post", flat=True)
    )
    assert posts == {"deputy_secretary", "discipline"}
    refused = seat("other", trainee)  # forged: the choice is not offered
    assert refused.status_code == 200
    assert not CommitteeSeat.objects.filter(term=term, member=trainee).exists()
    page = client.get(f"/orgs/{branch.pk}/").content.decode()
    assert "副书记兼纪检委员" in page
    # The away and the lost still count as full members: seven, so no "under 7" warning.
    assert "正式党员不足7人" not in page
