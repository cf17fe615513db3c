"""Dates outside 1921-07-01..today, invisible characters in names, and 正式/预备 without an
admission date are refused on every entry path, naming the field, with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.governance import services as governance
from dangjian.members import movements, services
from dangjian.members.models import Member, MemberEvent, TransferIn
from dangjian.members.tests.helpers import data, new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import importer
from dangjian.orgs import services as orgs
from dangjian.orgs.services import EnterpriseFacts

pytestmark = pytest.mark.django_db

ANCIENT = date(1, 1, 1)
RLO_NAME = "张\u202e三"


def _counts() -> tuple[int, int, int]:
    return Member.objects.count(), MemberEvent.objects.count(), AuditEntry.objects.count()


def _refused(field: str, text: str, run) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        run()
    assert text in " ".join(caught.value.message_dict[field])
    assert _counts() == before


# --- 正式/预备 need the admission date, at 18 or older --------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"status": "full", "admitted_on": None, "full_on": None}, "admitted_on", "须填写入党日期"),
        (
            {"status": "probationary", "admitted_on": None, "full_on": None},
            "admitted_on",
            "须填写入党日期",
        ),
        (
            {
                "id_number": new_id(date(2015, 3, 1)),
                "admitted_on": date(2025, 1, 1),
                "full_on": date(2026, 1, 1),
            },
            "admitted_on",
            "未满18周岁",
        ),
        (
            {"admitted_on": date(2016, 6, 1), "full_on": date(2015, 6, 1)},
            "full_on",
            "不能早于入党日期",
        ),
        (
            {"admitted_on": ANCIENT, "full_on": date(2016, 6, 1)},
            "admitted_on",
            "不能早于1921年7月1日",
        ),
        ({"full_on": ANCIENT}, "full_on", "不能早于1921年7月1日"),
        ({"name": RLO_NAME}, "name", "姓名含有不可见的控制字符"),
        ({"name": "张\u200b三"}, "name", "姓名含有不可见的控制字符"),
        ({"post": "工程\u200d部"}, "post", "工作岗位含有不可见的控制字符"),
    ],
)
def test_registration_refuses(org, overrides, field, text) -> None:
    _refused(
        field,
        text,
        lambda: services.register_member(
            actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(**overrides)
        ),
    )


def test_a_member_born_in_2015_is_not_accepted_as_full_member_without_dates(org) -> None:
    child = data(id_number=new_id(date(2015, 5, 1)), admitted_on=None, full_on=None)
    _refused(
        "admitted_on",
        "须填写入党日期",
        lambda: services.register_member(
            actor=SystemActor("tests"), org=org("CT01-ZB1"), data=child
        ),
    )


@pytest.mark.parametrize("standing", ["suspended", "expelled", "deceased", "transferred"])
def test_a_new_member_is_registered_full_or_probationary(org, standing) -> None:
    # Suspension, exits and deaths are decided on a registered member, never typed at creation.
    _refused(
        "status",
        "登记党员时党籍状态应为正式党员或预备党员",
        lambda: services.register_member(
            actor=SystemActor("tests"),
            org=org("CT01-ZB1"),
            data=data(status=standing, admitted_on=None, full_on=None),
        ),
    )


def test_editing_cannot_remove_the_admission_date(org) -> None:
    member = services.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())
    _refused(
        "admitted_on",
        "须填写入党日期",
        lambda: services.update_member(
            member,
            actor=SystemActor("tests"),
            expected_version=member.version,
            data=data(id_number=services.decrypt_id(member), admitted_on=None, full_on=None),
        ),
    )


def test_the_form_names_the_field(client_for, org) -> None:
    client = client_for("secretary1")
    before = _counts()
    response = client.post(
        f"/members/new/{org('CT01-ZB1').pk}/",
        {"name": "表单", "id_number": new_id(), "status": "full", "ethnicity": "汉族"},
    )
    assert response.status_code == 200
    assert "入党日期：正式党员和预备党员须填写入党日期" in response.content.decode()
    response = client.post(
        f"/members/new/{org('CT01-ZB1').pk}/",
        {
            "name": RLO_NAME,
            "id_number": new_id(),
            "status": "full",
            "ethnicity": "汉族",
            "admitted_on": "0001-01-01",
            "full_on": "2016-06-01",
        },
    )
    text = response.content.decode()
    assert "姓名：姓名含有不可见的控制字符" in text
    assert _counts() == before


def test_the_api_names_the_field(client_for, org) -> None:
    client = client_for("secretary1")
    before = _counts()
    response = client.post(
        "/api/members/",
        {
            "name": "张\u200b三",
            "id_number": new_id(),
            "branch": org("CT01-ZB1").pk,
            "status": "full",
            "admitted_on": "0001-01-01",
            "full_on": "2016-06-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "不可见的控制字符" in body["name"][0]
    assert "不能早于1921年7月1日" in body["admitted_on"][0]
    assert _counts() == before


def test_the_import_reports_row_and_column(user) -> None:
    rows = [
        row("甲", new_id(), admitted_on="0001-01-01"),
        row("乙", new_id(), admitted_on="", full_on=""),
        row("丙", new_id(date(2015, 1, 1)), admitted_on="2025-01-01", full_on="2026-01-01"),
        row(RLO_NAME, new_id()),
    ]
    report = importer.validate(workbook(rows), actor=user("secretary1"))
    found = {(e["row"], e["column"]): e["message"] for e in report.errors}
    assert "不能早于1921年7月1日" in found[(2, "入党日期")]
    assert "须填写入党日期" in found[(3, "入党日期")]
    assert "未满18周岁" in found[(4, "入党日期")]
    assert "不可见的控制字符" in found[(5, "姓名")]


# --- movements ---------------------------------------------------------------------------


def _member(org) -> Member:
    return services.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())


def test_movement_dates_before_1921_are_refused(org) -> None:
    member = _member(org)
    cases = [
        (
            lambda: movements.mark_lost_contact(member, actor=SystemActor("tests"), since=ANCIENT),
            "since",
        ),
        (
            lambda: movements.move_member(
                member, actor=SystemActor("tests"), to_org=org("CT01-ZB2"), on=ANCIENT
            ),
            "on",
        ),
        (
            lambda: movements.issue_transfer_out(
                member,
                actor=SystemActor("tests"),
                letter_no="X1",
                destination="外县",
                issued_on=ANCIENT,
            ),
            "issued_on",
        ),
        (
            lambda: movements.start_mobility(
                member, actor=SystemActor("tests"), place="杭州", left_on=ANCIENT
            ),
            "left_on",
        ),
        (
            lambda: movements.register_with_community(
                member, actor=SystemActor("tests"), community="花园社区", registered_on=ANCIENT
            ),
            "registered_on",
        ),
    ]
    for run, field in cases:
        _refused(field, "不能早于1921年7月1日", run)


def test_movement_names_with_invisible_characters_are_refused(org) -> None:
    member = _member(org)
    _refused(
        "destination",
        "不可见的控制字符",
        lambda: movements.issue_transfer_out(
            member,
            actor=SystemActor("tests"),
            letter_no="X1",
            destination="外县\u202e党支部",
            issued_on=timezone.localdate(),
        ),
    )
    _refused(
        "place",
        "不可见的控制字符",
        lambda: movements.start_mobility(
            member, actor=SystemActor("tests"), place="杭\u200b州", left_on=timezone.localdate()
        ),
    )


def _transfer_in(org, **overrides):
    values = {
        "actor": SystemActor("tests"),
        "org": org("CT01-ZB1"),
        "name": "转入者",
        "id_number": new_id(),
        "from_org": "外县某党支部",
        "letter_no": "L-9",
        "received_on": timezone.localdate(),
        "admitted_on": date(2015, 6, 1),
        "full_on": date(2016, 6, 1),
    }
    values.update(overrides)
    return movements.receive_transfer_in(**values)


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"admitted_on": None, "full_on": None}, "admitted_on", "须填写入党日期"),
        ({"full_on": None}, "full_on", "正式党员请填写转正日期"),
        ({"name": RLO_NAME}, "name", "不可见的控制字符"),
        ({"from_org": "外县\u200b党支部"}, "from_org", "不可见的控制字符"),
        ({"received_on": ANCIENT}, "received_on", "不能早于1921年7月1日"),
        (
            {
                "id_number": new_id(date(2015, 1, 1)),
                "admitted_on": date(2025, 1, 1),
                "full_on": date(2026, 1, 1),
            },
            "admitted_on",
            "未满18周岁",
        ),
    ],
)
def test_transfer_in_letters_are_checked_like_registrations(org, overrides, field, text) -> None:
    letters = TransferIn.objects.count()
    _refused(field, text, lambda: _transfer_in(org, **overrides))
    assert TransferIn.objects.count() == letters


def test_an_accepted_letter_keeps_its_admission_dates(org, user) -> None:
    incoming = _transfer_in(
        org, member_status="probationary", full_on=None, admitted_on=date(2026, 1, 5)
    )
    member = movements.accept_transfer_in(
        incoming, actor=user("supervisor"), on=timezone.localdate()
    )
    assert member.status == "probationary" and member.admitted_on == date(2026, 1, 5)


# --- organisations and governance ---------------------------------------------------------


def _facts(**overrides) -> EnterpriseFacts:
    values = {"credit_code": "", "ownership": "wholly_owned", "operating_status": "normal"}
    values.update(overrides)
    return EnterpriseFacts(**values)  # type: ignore[arg-type]


def test_org_dates_and_names(org) -> None:
    parent = org("CT01")
    _refused(
        "founded_on",
        "不能早于1921年7月1日",
        lambda: orgs.create_org(
            actor=SystemActor("tests"),
            parent=parent,
            kind="branch",
            code="OLD-1",
            name="老支部",
            founded_on=ANCIENT,
        ),
    )
    _refused(
        "name",
        "名称含有不可见的控制字符",
        lambda: orgs.create_org(
            actor=SystemActor("tests"),
            parent=parent,
            kind="branch",
            code="RLO-1",
            name="第\u202e一支部",
        ),
    )
    _refused(
        "short_name",
        "简称含有不可见的控制字符",
        lambda: orgs.create_org(
            actor=SystemActor("tests"),
            parent=parent,
            kind="branch",
            code="ZW-1",
            name="一支部",
            short_name="一\u200b支",
        ),
    )
    branch = org("CT01-ZB1")
    _refused(
        "founded_on",
        "不能早于1921年7月1日",
        lambda: orgs.update_org(
            branch,
            actor=SystemActor("tests"),
            expected_version=branch.version,
            name=branch.name,
            code=branch.code,
            founded_on=date(1900, 1, 1),
        ),
    )
    _refused(
        "dissolved_on",
        "不能早于1921年7月1日",
        lambda: orgs.dissolve_org(branch, actor=SystemActor("tests"), on=ANCIENT, reason="测试"),
    )


def test_an_enterprise_may_predate_the_party_but_not_1900(org) -> None:
    enterprise = org("CT01")
    profile = enterprise.enterprise
    facts = _facts(credit_code=profile.credit_code, transferred_on=date(1899, 1, 1))
    _refused(
        "transferred_on",
        "不能早于1900年1月1日",
        lambda: orgs.update_org(
            enterprise,
            actor=SystemActor("tests"),
            expected_version=enterprise.version,
            name=enterprise.name,
            code=enterprise.code,
            founded_on=date(1910, 5, 1),
            enterprise=facts,
        ),
    )
    updated = orgs.update_org(
        enterprise,
        actor=SystemActor("tests"),
        expected_version=enterprise.version,
        name=enterprise.name,
        code=enterprise.code,
        founded_on=date(1910, 5, 1),
        enterprise=_facts(credit_code=profile.credit_code),
    )
    assert updated.founded_on == date(1910, 5, 1)


def test_governance_dates_and_names(org) -> None:
    branch, enterprise = org("CT01-ZB1"), org("CT01")
    _refused(
        "elected_on",
        "不能早于1921年7月1日",
        lambda: governance.record_election(
            actor=SystemActor("tests"), org=branch, elected_on=ANCIENT
        ),
    )
    _refused(
        "since",
        "不能早于1921年7月1日",
        lambda: governance.set_leader(
            actor=SystemActor("tests"),
            org=enterprise,
            position="chairman",
            person_name="李四",
            since=ANCIENT,
        ),
    )
    _refused(
        "person_name",
        "姓名含有不可见的控制字符",
        lambda: governance.set_leader(
            actor=SystemActor("tests"),
            org=enterprise,
            position="chairman",
            person_name="李\u202e四",
            since=timezone.localdate(),
        ),
    )
    _refused(
        "on",
        "不能早于1921年7月1日",
        lambda: governance.record_unity_exception(
            actor=SystemActor("tests"),
            org=enterprise,
            reason="分设原因说明",
            approval_ref="",
            on=ANCIENT,
        ),
    )


def test_committee_post_labels_are_checked(org) -> None:
    branch = org("CT01-ZB1")
    member = services.register_member(actor=SystemActor("tests"), org=branch, data=data())
    term = governance.record_election(
        actor=SystemActor("tests"), org=branch, elected_on=timezone.localdate()
    )
    _refused(
        "post_label",
        "职务名称含有不可见的控制字符",
        lambda: governance.assign_seat(
            term,
            actor=SystemActor("tests"),
            post="other",
            member=member,
            assigned_on=timezone.localdate(),
            post_label="青年\u200b委员",
        ),
    )


def test_account_full_names_are_checked() -> None:
    from dangjian.accounts import services as accounts
    from dangjian.accounts.models import User

    with pytest.raises(ValidationError) as caught:
        accounts.create_account(
            actor=SystemActor("tests"), username="rlo-user", full_name="王\u202e五"
        )
    assert "不可见的控制字符" in caught.value.message_dict["full_name"][0]
    assert not User.objects.filter(username="rlo-user").exists()
