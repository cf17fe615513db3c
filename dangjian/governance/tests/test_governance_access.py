"""Who sees governance pages and whom the seat form offers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.accounts.tests.factories import make_account
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.governance import services
from dangjian.members.tests.factories import make_member
from dangjian.orgs.tests.factories import make_party_org
from dangjian.testkit.clients import login

pytestmark = pytest.mark.django_db
TESTS = SystemActor("tests")


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor"])
def test_unity_list_refuses_admin_accounts(client_for, username: str) -> None:
    denials = AuditEntry.objects.filter(action="access.denied").count()
    response = client_for(username).get("/governance/unity/")
    assert response.status_code == 403
    assert "董事长" not in response.content.decode()
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1


def test_unity_list_still_answers_business_readers(client_for) -> None:
    for username in ("supervisor", "observer1"):
        page = client_for(username).get("/governance/unity/")
        assert page.status_code == 200 and "X县燃气有限公司" not in page.content.decode()
        assert "X县公共停车管理有限公司" in page.content.decode()  # chairman and secretary split


def test_admin_navigation_has_no_governance_entry(client_for) -> None:
    assert "/governance/unity/" not in client_for("sysadmin").get("/").content.decode()
    assert "/governance/unity/" in client_for("supervisor").get("/").content.decode()


def test_seat_form_offers_full_members_only() -> None:
    branch = make_party_org()
    full = [make_member(branch, name=f"正式{i}") for i in range(3)]
    probationary = make_member(
        branch,
        name="预备甲",
        status="probationary",
        full_on=None,
        admitted_on=timezone.localdate() - timedelta(days=30),
    )
    term = services.record_election(
        actor=TESTS, org=branch, elected_on=timezone.localdate() - timedelta(days=5), term_years=3
    )
    client = login(Client(), make_account(role="clerk", node=branch))
    response = client.get(f"/governance/term/{term.pk}/seat/")
    choices = dict(response.context["form"].fields["member"].choices)
    assert set(choices) == {str(m.pk) for m in full}
    assert str(probationary.pk) not in choices and "预备甲" not in response.content.decode()
    # The form's own list and the service's refusal agree: a forged post is refused too.
    before = AuditEntry.objects.count()
    forged = client.post(
        f"/governance/term/{term.pk}/seat/",
        {"post": "secretary", "member": str(probationary.pk), "assigned_on": term.elected_on},
    )
    assert forged.status_code == 200 and not term.seats.exists()
    assert AuditEntry.objects.count() == before


def test_extra_posts_default_to_those_typical_of_soe_branches() -> None:
    from dangjian.orgs.models import CountySettings

    posts = CountySettings().extra_committee_posts.split(",")
    assert posts == ["青年委员", "群工委员"]


def test_seat_forms_name_the_upper_party_org(org) -> None:
    branch = make_party_org(org("CT01-DW"))
    member = make_member(branch, name="正式甲")
    term = services.record_election(
        actor=TESTS, org=branch, elected_on=timezone.localdate() - timedelta(days=5), term_years=3
    )
    seat = services.assign_seat(
        term, actor=TESTS, post="secretary", member=member, assigned_on=term.elected_on
    )
    client = login(Client(), make_account(role="clerk", node=branch))
    expected = f"上级党组织：{org('CT01-DW').name}"
    assert expected in client.get(f"/governance/term/{term.pk}/seat/").content.decode()
    assert expected in client.get(f"/governance/seat/{seat.pk}/upper/").content.decode()
