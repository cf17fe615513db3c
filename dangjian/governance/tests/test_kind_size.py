"""Kind versus size (国企条例, rules.md O10): 党委 from 100 members, 党总支 from 50, below that
only with a recorded approval of the upper organisation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.accounts.tests.factories import make_account
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.governance import services
from dangjian.governance.rules import kind_size_findings
from dangjian.members.tests.factories import make_member
from dangjian.orgs import services as org_services
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import SetupApproval
from dangjian.orgs.tests.factories import make_party_org
from dangjian.testkit.clients import login

TESTS = SystemActor("tests")
SOE = "《中国共产党国有企业基层组织工作条例（试行）》"
DW, ZZ, ZB = OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH


@pytest.mark.parametrize(
    ("kind", "members", "approved", "codes"),
    [
        (DW, 49, False, ["O10-committee-approval"]),
        (DW, 50, False, ["O10-committee-approval"]),
        (DW, 99, False, ["O10-committee-approval"]),
        (DW, 100, False, []),
        (DW, 99, True, []),
        (DW, 49, True, []),
        (ZZ, 49, False, ["O10-general-branch-approval"]),
        (ZZ, 50, False, []),
        (ZZ, 99, False, []),
        (ZZ, 100, False, ["O10-general-branch-large"]),
        (ZZ, 100, True, ["O10-general-branch-large"]),  # no approval makes 100 a 总支
        (ZZ, 49, True, []),
        (ZB, 49, False, []),  # branches have their own size rule (O1)
        (ZB, 100, False, []),
    ],
)
def test_kind_against_size_at_the_boundaries(kind, members, approved, codes) -> None:
    found = kind_size_findings(kind, members, approved=approved)
    assert [f.code for f in found] == codes
    for f in found:
        assert f.level == "warning" and f.source.startswith(SOE)
        assert f"党员{members}人" in f.message


def test_messages_name_the_threshold_and_the_approval() -> None:
    (committee,) = kind_size_findings(DW, 31, approved=False)
    assert "不足100人设立党委" in committee.message and "上级党组织批准" in committee.message
    (general,) = kind_size_findings(ZZ, 6, approved=False)
    assert "不足50人设立党总支" in general.message


def _today() -> date:
    return timezone.localdate()


def _codes(node) -> list[str]:
    return [f.code for f in services.structure_findings(node, today=_today())]


@pytest.mark.django_db
def test_general_branch_counts_full_and_probationary_members_of_its_subtree() -> None:
    general = make_party_org(kind=ZZ)
    branch = make_party_org(general)
    for i in range(48):
        make_member(branch, name=f"正式{i}")
    make_member(
        branch,
        name="预备",
        status="probationary",
        full_on=None,
        admitted_on=_today() - timedelta(days=30),
    )
    assert "O10-general-branch-approval" in _codes(general)  # 49 members
    make_member(
        branch,
        name="第五十人",
        status="probationary",
        full_on=None,
        admitted_on=_today() - timedelta(days=40),
    )
    assert not [c for c in _codes(general) if c.startswith("O10")]  # 50, two of them 预备


@pytest.mark.django_db
def test_an_approval_silences_the_warning_for_that_kind_only(org) -> None:
    general = make_party_org(kind=ZZ)
    assert "O10-general-branch-approval" in _codes(general)
    before = AuditEntry.objects.count()
    approval = org_services.record_setup_approval(
        actor=TESTS,
        org=general,
        approving_body=org("CT01-DW").name,
        approval_ref="城建党〔2026〕3号",
        approved_on=date(2026, 3, 1),
    )
    assert approval.kind == ZZ and not [c for c in _codes(general) if c.startswith("O10")]
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry is not None and entry.action == "orgs.setup_approval.record"
    assert entry.changes["approval_ref"] == "城建党〔2026〕3号"
    # Recording again corrects the record instead of adding one.
    org_services.record_setup_approval(
        actor=TESTS,
        org=general,
        approving_body=org("CT01-DW").name,
        approval_ref="城建党〔2026〕4号",
        approved_on=date(2026, 3, 2),
    )
    assert list(general.setup_approvals.values_list("approval_ref", flat=True)) == [
        "城建党〔2026〕4号"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"approval_ref": " "}, "approval_ref", "请填写批准文号"),
        ({"approving_body": ""}, "approving_body", "请填写批准机关"),
        ({"approved_on": date(1900, 1, 1)}, "approved_on", "批准日期"),
        ({"approved_on": None}, "approved_on", "请填写批准日期"),
        ({"approval_ref": "文号\u200b"}, "approval_ref", "批准文号"),
    ],
)
def test_bad_approval_names_its_field_and_writes_nothing(values, field, fragment) -> None:
    general = make_party_org(kind=ZZ)
    good = {
        "approving_body": "上级党委",
        "approval_ref": "党〔2026〕1号",
        "approved_on": date(2026, 1, 5),
    }
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        org_services.record_setup_approval(actor=TESTS, org=general, **{**good, **values})
    assert fragment in caught.value.message_dict[field][0]
    assert not SetupApproval.objects.filter(org=general).exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_only_committees_and_general_branches_take_a_setup_approval() -> None:
    branch = make_party_org()
    with pytest.raises(ValidationError) as caught:
        org_services.record_setup_approval(
            actor=TESTS,
            org=branch,
            approving_body="上级党委",
            approval_ref="党〔2026〕1号",
            approved_on=date(2026, 1, 5),
        )
    assert "只有党委、党总支" in caught.value.message_dict["org"][0]


@pytest.mark.django_db
def test_org_page_shows_the_soe_citation_and_records_the_approval(org) -> None:
    general = make_party_org(org("CT01-DW"), kind=ZZ)
    client = login(Client(), make_account(role="clerk", node=org("CT01-DW")))
    page = client.get(f"/orgs/{general.pk}/").content.decode()
    assert f"（{SOE}第四条）" in page and "不足50人设立党总支" in page
    assert "O10-" not in page and "登记设立批准" in page
    url = f"/orgs/{general.pk}/setup-approval/"
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["approving_body"] == org("CT01-DW").name
    bad = client.post(url, {"approving_body": "", "approval_ref": "", "approved_on": ""})
    assert bad.status_code == 200 and not general.setup_approvals.exists()
    done = client.post(
        url,
        {
            "approving_body": org("CT01-DW").name,
            "approval_ref": "城建党〔2026〕5号",
            "approved_on": "2026-06-01",
        },
    )
    assert done.status_code == 302
    page = client.get(f"/orgs/{general.pk}/").content.decode()
    assert "城建党〔2026〕5号" in page and "不足50人设立党总支" not in page


def test_each_size_check_has_its_own_code() -> None:
    seen: dict[str, set[str]] = {}
    for kind in (DW, ZZ, ZB):
        for members in range(0, 160):
            for approved in (False, True):
                for f in kind_size_findings(kind, members, approved=approved):
                    # one code, one check: the same threshold sentence whatever the count
                    seen.setdefault(f.code, set()).add(f.message.split("，", 1)[1])
    assert {code: len(texts) for code, texts in seen.items()} == {
        "O10-committee-approval": 1,
        "O10-general-branch-approval": 1,
        "O10-general-branch-large": 1,
    }
