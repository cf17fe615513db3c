"""Tree writes: each refusal names its field in Chinese and writes nothing, not even audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.actors import SystemActor
from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEntry
from dangjian.demo.builder import make_credit_code
from dangjian.orgs import services
from dangjian.orgs.choices import OperatingStatus, Ownership
from dangjian.orgs.models import EnterpriseProfile, OrgNode

pytestmark = pytest.mark.django_db


def _facts(code: str) -> services.EnterpriseFacts:
    return services.EnterpriseFacts(
        credit_code=code, ownership=Ownership.WHOLLY_OWNED, operating_status=OperatingStatus.NORMAL
    )


def _refused(field: str, fragment: str, call, *args, **kwargs) -> None:
    nodes, entries = OrgNode.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert fragment in " ".join(caught.value.message_dict[field])
    assert (OrgNode.objects.count(), AuditEntry.objects.count()) == (nodes, entries)


def test_wrong_parent_kind_is_refused(org) -> None:
    _refused(
        "parent",
        "党小组的上级只能是",
        services.create_org,
        actor=SystemActor("tests"),
        parent=org("CT01"),
        kind="party_group",
        code="X-1",
        name="错误党小组",
    )


def test_duplicate_code_is_refused(org) -> None:
    _refused(
        "code",
        "已被其他组织使用",
        services.create_org,
        actor=SystemActor("tests"),
        parent=org("CT02"),
        kind="branch",
        code="CT01",
        name="重复编码",
    )


def test_invalid_credit_code_is_refused(org) -> None:
    bad = make_credit_code(999)[:-1] + ("0" if make_credit_code(999)[-1] != "0" else "1")
    _refused(
        "credit_code",
        "校验位不正确",
        services.create_org,
        actor=SystemActor("tests"),
        parent=org("CT"),
        kind="enterprise",
        code="CT99",
        name="新企业",
        enterprise=_facts(bad),
    )


def test_duplicate_credit_code_is_refused(org) -> None:
    existing = EnterpriseProfile.objects.get(org__code="CT02").credit_code
    _refused(
        "credit_code",
        "已登记",
        services.create_org,
        actor=SystemActor("tests"),
        parent=org("CT"),
        kind="enterprise",
        code="CT99",
        name="新企业",
        enterprise=_facts(existing),
    )


def test_move_under_own_descendant_is_refused(org, user) -> None:
    _refused(
        "parent",
        "不能把组织移动到它自己或它的下级组织之下",
        services.move_org,
        org("CT01-DW"),
        actor=user("supervisor"),
        new_parent=org("CT01-ZB1"),
    )


def test_move_to_wrong_kind_is_refused(org, user) -> None:
    _refused(
        "parent",
        "党支部的上级只能是",
        services.move_org,
        org("CT02-ZB1"),
        actor=user("supervisor"),
        new_parent=org("CT03-ZB1"),
    )


def test_move_carries_the_subtree_and_keeps_the_tree_valid(org, user) -> None:
    branch, target = org("CT02-ZB1"), org("JT02")
    moved = services.move_org(branch, actor=user("supervisor"), new_parent=target)
    assert moved.parent_id == target.pk and moved.path.startswith(target.path)
    child = org("CT02-ZB1-XZ1")
    assert child.path.startswith(moved.path) and child.parent_id == moved.pk
    assert OrgNode.objects.find_problems() == ([], [], [], [], [])
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and entry.action == "orgs.org.move"
    assert verify_chain().ok


def test_dissolve_keeps_history_for_the_whole_subtree(org, user) -> None:
    count = services.dissolve_org(
        org("JT06"), actor=user("supervisor"), on=date(2025, 6, 30), reason="企业破产清算终结"
    )
    assert count == 3  # enterprise, its 党支部 and 党小组
    for code in ("JT06", "JT06-ZB1", "JT06-ZB1-XZ1"):
        node = org(code)
        assert node.dissolved_on == date(2025, 6, 30)
    _refused(
        "dissolved_on",
        "已于2025-06-30撤销",
        services.dissolve_org,
        org("JT06"),
        actor=user("supervisor"),
        on=date(2025, 7, 1),
        reason="x",
    )


def test_dissolve_date_cannot_be_in_the_future(org, user) -> None:
    _refused(
        "dissolved_on",
        "不能晚于今天",
        services.dissolve_org,
        org("JT05"),
        actor=user("supervisor"),
        on=date(2999, 1, 1),
        reason="x",
    )


def test_stale_version_is_a_conflict_not_a_silent_overwrite(org, user) -> None:
    node = org("CT03-ZB1")
    services.update_org(
        node,
        actor=user("supervisor"),
        expected_version=node.version,
        name="第一次保存",
        code=node.code,
    )
    _refused(
        "__all__",
        "已被他人修改",
        services.update_org,
        node,
        actor=user("supervisor"),
        expected_version=node.version,
        name="第二次保存",
        code=node.code,
    )
    assert org("CT03-ZB1").name == "第一次保存"


def test_secretary_cannot_touch_outside_the_branch(org, user) -> None:
    from dangjian.core.errors import NotVisible

    with pytest.raises(NotVisible):
        services.update_org(
            org("CT02-ZB1"),
            actor=user("secretary1"),
            expected_version=1,
            name="越权",
            code="CT02-ZB1",
        )
    assert org("CT02-ZB1").name != "越权"


def test_county_settings_drive_letter_validity(client_for, org) -> None:
    from dangjian.members import movements
    from dangjian.members import services as members
    from dangjian.members.tests.helpers import data
    from dangjian.orgs.models import CountySettings

    client = client_for("supervisor")
    values = {
        "transfer_letter_valid_months": 1,
        "branch_term_years": 3,
        "lost_contact_review_months": 6,
        "extra_committee_posts": "青年委员",
    }
    assert client.post("/orgs/settings/", values).status_code == 302
    assert CountySettings.current().transfer_letter_valid_months == 1
    bad = client.post("/orgs/settings/", {**values, "branch_term_years": 7})
    assert "三年至五年" in bad.content.decode()
    member = members.register_member(actor=SystemActor("tests"), org=org("CT02-ZB1"), data=data())
    letter = movements.issue_transfer_out(
        member,
        actor=SystemActor("tests"),
        letter_no="1",
        destination="外县",
        issued_on=date(2026, 10, 31),
    )
    assert letter.valid_until == date(2026, 11, 30)
    assert client_for("secretary1").get("/orgs/settings/").status_code == 403
