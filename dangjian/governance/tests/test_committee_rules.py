"""Committee eligibility, 兼任, size by distinct members, 3–5 year terms and the upper
organisation's 批准/备案 (rules.md O4, O5, O8), through the services and the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.accounts.tests.factories import make_account
from dangjian.core.actors import SystemActor
from dangjian.core.audit_names import audit_label
from dangjian.core.models import AuditEntry
from dangjian.governance import services
from dangjian.governance.models import CommitteeSeat, CommitteeTerm
from dangjian.governance.rules import POST_REFUSED
from dangjian.members.models import Member
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import OrgNode
from dangjian.orgs.tests.factories import make_party_org
from dangjian.testkit.clients import login

pytestmark = pytest.mark.django_db
TESTS = SystemActor("tests")


def _today():
    return timezone.localdate()


def _branch(full: int, *, probationary: int = 0) -> tuple[OrgNode, list[Member], CommitteeTerm]:
    branch = make_party_org()
    people = [make_member(branch, name=f"正式{i}") for i in range(full)]
    people += [
        make_member(
            branch,
            name=f"预备{i}",
            status="probationary",
            full_on=None,
            admitted_on=_today() - timedelta(days=30),
        )
        for i in range(probationary)
    ]
    term = services.record_election(
        actor=TESTS, org=branch, elected_on=_today() - timedelta(days=20), term_years=3
    )
    return branch, people, term


def _seat(term: CommitteeTerm, post: str, member: Member, **extra: Any) -> CommitteeSeat:
    return services.assign_seat(
        term, actor=TESTS, post=post, member=member, assigned_on=term.elected_on, **extra
    )


def _codes(branch: OrgNode) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in services.structure_findings(branch, today=_today())]


@pytest.mark.parametrize(
    ("post", "label"),
    [
        ("secretary", ""),
        ("deputy_secretary", ""),
        ("organisation", ""),
        ("publicity", ""),
        ("discipline", ""),
        ("other", ""),
        ("other", "青年委员"),
    ],
)
def test_probationary_member_is_refused_in_every_post(post: str, label: str) -> None:
    _, people, term = _branch(3, probationary=1)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        _seat(term, post, people[-1], post_label=label)
    assert caught.value.message_dict == {"member": [POST_REFUSED]}
    assert "一般" not in POST_REFUSED
    assert not term.seats.exists() and AuditEntry.objects.count() == before


def test_deputy_may_also_be_discipline_member_and_the_page_joins_the_posts() -> None:
    branch, people, term = _branch(7)
    _seat(term, "secretary", people[0])
    _seat(term, "deputy_secretary", people[1])
    _seat(term, "discipline", people[1])
    _seat(term, "organisation", people[2])
    clerk = make_account(role="clerk", node=branch)
    page = login(Client(), clerk).get(f"/orgs/{branch.pk}/").content.decode()
    assert "副书记兼纪检委员：" in page and "正式1" in page
    assert "届中调整：不再担任纪检委员" in page and "登记委员（补选）" in page
    assert "配备委员" not in page and ">免去<" not in page
    # Size counts members, not seats: 3 members hold 4 posts, so no size warning.
    assert ("warning", "O4-committee-size") not in _codes(branch)


@pytest.mark.parametrize(
    ("first", "second", "fragment"),
    [
        ("discipline", "discipline", "已担任纪检委员"),
        ("deputy_secretary", "deputy_secretary", "已担任副书记"),
        ("secretary", "deputy_secretary", "书记和副书记不能由同一人兼任"),
        ("deputy_secretary", "secretary", "书记和副书记不能由同一人兼任"),
    ],
)
def test_refused_combinations_leave_nothing_behind(first: str, second: str, fragment: str) -> None:
    _, people, term = _branch(3)
    _seat(term, first, people[0])
    before = (AuditEntry.objects.count(), term.seats.count())
    with pytest.raises(ValidationError) as caught:
        _seat(term, second, people[0])
    assert fragment in caught.value.message_dict["member"][0]
    assert (AuditEntry.objects.count(), term.seats.count()) == before


def test_a_third_post_for_one_member_is_refused() -> None:
    _, people, term = _branch(3)
    _seat(term, "deputy_secretary", people[0])
    _seat(term, "discipline", people[0])
    with pytest.raises(ValidationError, match="最多兼任2个职务"):
        _seat(term, "publicity", people[0])


@pytest.mark.parametrize("with_discipline", [True, False])
def test_seven_full_members_need_a_discipline_member(with_discipline: bool) -> None:
    branch, people, term = _branch(7)
    posts = ["secretary", "organisation", "discipline" if with_discipline else "publicity"]
    for post, person in zip(posts, people, strict=False):
        _seat(term, post, person, upper_ref="上级组〔2026〕1号", upper_on=term.elected_on)
    expected = [] if with_discipline else [("warning", "O4-discipline")]
    assert _codes(branch) == expected


def test_six_full_members_with_an_organisation_member_get_a_warning() -> None:
    branch, people, term = _branch(6)
    _seat(term, "secretary", people[0], upper_ref="上级组〔2026〕1号", upper_on=term.elected_on)
    assert _codes(branch) == []
    _seat(term, "organisation", people[1])
    assert _codes(branch) == [("warning", "O4-small-branch")]


def test_eight_member_committee_is_a_warning_not_an_error() -> None:
    branch, people, term = _branch(9)
    posts = [
        ("secretary", ""),
        ("deputy_secretary", ""),
        ("organisation", ""),
        ("publicity", ""),
        ("discipline", ""),
        ("other", "青年委员"),
        ("other", "妇女委员"),
        ("other", "统战委员"),
    ]
    for (post, label), person in zip(posts, people, strict=False):
        _seat(term, post, person, post_label=label, upper_ref="文1号", upper_on=term.elected_on)
    found = services.structure_findings(branch, today=_today())
    assert [(f.level, f.code) for f in found] == [("warning", "O4-committee-max")]
    assert "一般不超过7人" in found[0].message


@pytest.mark.parametrize(("years", "ok"), [(2, False), (3, True), (5, True), (6, False)])
def test_term_years_via_the_service(years: int, ok: bool) -> None:
    branch = make_party_org()
    before = AuditEntry.objects.count()
    if ok:
        term = services.record_election(
            actor=TESTS, org=branch, elected_on=_today(), term_years=years
        )
        assert term.term_years == years
        return
    with pytest.raises(ValidationError) as caught:
        services.record_election(actor=TESTS, org=branch, elected_on=_today(), term_years=years)
    assert "任期应为3至5年" in caught.value.message_dict["term_years"][0]
    assert not CommitteeTerm.objects.filter(org=branch).exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(("years", "ok"), [(2, False), (3, True), (5, True), (6, False)])
def test_term_years_via_the_page(years: int, ok: bool) -> None:
    branch = make_party_org()
    client = login(Client(), make_account(role="clerk", node=branch))
    response = client.post(
        f"/governance/org/{branch.pk}/election/",
        {"elected_on": _today().isoformat(), "term_years": years},
    )
    assert CommitteeTerm.objects.filter(org=branch).exists() is ok
    if ok:
        assert response.status_code == 302
    else:
        assert response.status_code == 200 and "任期应为3至5年" in response.content.decode()


def test_approval_and_filing_are_recorded_on_the_seat_form_and_shown() -> None:
    branch, people, term = _branch(3)
    client = login(Client(), make_account(role="clerk", node=branch))
    url = f"/governance/term/{term.pk}/seat/"
    assert "上级党组织批准或备案文号" in client.get(url).content.decode()
    on = term.elected_on.isoformat()
    client.post(url, {"post": "secretary", "member": people[0].pk, "assigned_on": on})
    page = client.get(f"/orgs/{branch.pk}/").content.decode()
    assert "书记、副书记尚未登记上级党组织批准" in page and "书记尚未登记上级批准" in page
    for post, person, ref in (
        ("deputy_secretary", people[1], "上级组〔2026〕2号"),
        ("organisation", people[2], "上级组〔2026〕3号"),
    ):
        response = client.post(
            url,
            {
                "post": post,
                "member": person.pk,
                "assigned_on": on,
                "upper_ref": ref,
                "upper_on": on,
            },
        )
        assert response.status_code == 302
    deputy = term.seats.get(post="deputy_secretary")
    assert (deputy.upper_ref, deputy.upper_on) == ("上级组〔2026〕2号", term.elected_on)
    page = client.get(f"/orgs/{branch.pk}/").content.decode()
    assert f"副书记上级批准：上级组〔2026〕2号（{on}）" in page
    assert f"组织委员上级备案：上级组〔2026〕3号（{on}）" in page


@pytest.mark.parametrize(
    ("ref", "days", "field", "fragment"),
    [
        ("上级组1号", None, "upper_on", "请填写批准或备案日期"),
        ("", 0, "upper_ref", "请填写批准或备案文号"),
        ("上级组1号", -1, "upper_on", "不能早于本届选举日期"),
        ("上级组1号", 40, "upper_on", "不能晚于今天"),
    ],
)
def test_bad_approval_records_name_their_field(ref, days, field, fragment) -> None:
    _, people, term = _branch(3)
    before = AuditEntry.objects.count()
    upper_on = None if days is None else term.elected_on + timedelta(days=days)
    with pytest.raises(ValidationError) as caught:
        _seat(term, "secretary", people[0], upper_ref=ref, upper_on=upper_on)
    assert fragment in caught.value.message_dict[field][0]
    assert not term.seats.exists() and AuditEntry.objects.count() == before


def test_org_page_cites_articles_not_codes() -> None:
    branch, _, _ = _branch(7)
    client = login(Client(), make_account(role="clerk", node=branch))
    page = client.get(f"/orgs/{branch.pk}/").content.decode()
    assert "（《中国共产党支部工作条例（试行）》第二十条）" in page
    for code in ("（O4", "（O1", "（O5", "O4-"):
        assert code not in page


def test_wording_for_changes_during_a_term() -> None:
    assert "补选" in audit_label("governance.seat.assign")
    assert "届中调整" in audit_label("governance.seat.remove")
    assert audit_label("governance.unity_exception.record") == "登记书记、董事长分设情况"


def test_approval_arriving_after_the_election_is_recorded_on_the_seat() -> None:
    branch, people, term = _branch(3)
    seat = _seat(term, "secretary", people[0])
    client = login(Client(), make_account(role="clerk", node=branch))
    assert "登记批准" in client.get(f"/orgs/{branch.pk}/").content.decode()
    url = f"/governance/seat/{seat.pk}/upper/"
    before = AuditEntry.objects.count()
    bad = client.post(url, {"upper_ref": "上级组1号", "upper_on": "1900-01-01"})
    assert bad.status_code == 200 and AuditEntry.objects.count() == before
    on = term.elected_on.isoformat()
    assert client.post(url, {"upper_ref": "上级组〔2026〕7号", "upper_on": on}).status_code == 302
    seat.refresh_from_db()
    assert (seat.upper_ref, seat.upper_on) == ("上级组〔2026〕7号", term.elected_on)
    assert AuditEntry.objects.filter(action="governance.seat.upper").count() == 1
    assert ("info", "O5-approval") not in _codes(branch)
