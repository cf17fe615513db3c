"""预备期 and 转正 through the services and pages; the lost-contact review date, identical in the
review list and the 停止党籍 service; the county's six-month floor."""

from __future__ import annotations

import importlib
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.members import movements, services
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, MemberEvent
from dangjian.members.tests.helpers import data
from dangjian.orgs.models import CountySettings
from dangjian.orgs.services import update_county_settings

pytestmark = pytest.mark.django_db
SYSTEM = SystemActor("tests")
TODAY = date(2026, 12, 1)


def _refused(field: str, fragment: str, call, *args, **kwargs) -> None:
    def state() -> tuple[object, ...]:
        rows = Member.objects.order_by("pk").values_list(
            "pk", "status", "full_on", "probation_extension_months", "version"
        )
        return (list(rows), AuditEntry.objects.count(), MemberEvent.objects.count())

    before = state()
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert fragment in " ".join(caught.value.message_dict[field])
    assert state() == before


@pytest.mark.parametrize(
    ("admitted", "full_on", "ok"),
    [
        (date(2020, 3, 10), date(2020, 3, 10), False),
        (date(2020, 3, 10), date(2021, 3, 9), False),
        (date(2020, 3, 10), date(2021, 3, 10), True),
        (date(2024, 2, 29), date(2025, 2, 27), False),
        (date(2024, 2, 29), date(2025, 2, 28), True),
    ],
)
def test_register_needs_a_year_of_probation(org, admitted, full_on, ok) -> None:
    values = data(admitted_on=admitted, full_on=full_on)
    call = services.register_member
    if ok:
        member = call(actor=SYSTEM, org=org("CT02-ZB1"), data=values, today=TODAY)
        assert member.full_on == full_on
    else:
        _refused("full_on", "预备期为一年", call, actor=SYSTEM, org=org("CT02-ZB1"), data=values)


def _probationary(org, admitted: date = date(2025, 6, 1)) -> Member:
    return services.register_member(
        actor=SYSTEM,
        org=org("CT01-ZB1"),
        data=data(status="probationary", admitted_on=admitted, full_on=None),
        today=TODAY,
    )


def _make_full(member: Member, full_on: date) -> Member:
    member.refresh_from_db()
    return services.update_member(
        member,
        actor=SYSTEM,
        expected_version=member.version,
        data=data(
            id_number=services.decrypt_id(member),
            status="full",
            admitted_on=member.admitted_on,
            full_on=full_on,
        ),
        today=date(2027, 12, 31),
    )


def _extend(member: Member, months: int, **kwargs: object) -> Member:
    values = {"decided_on": date(2026, 6, 1), "reason": "需继续考察", "today": TODAY}
    values.update(kwargs)
    version = Member.objects.get(pk=member.pk).version
    values.setdefault("expected_version", version)
    return services.extend_probation(member, actor=SYSTEM, months=months, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_extension_months_bounds(org, months, ok) -> None:
    member = _probationary(org)
    if not ok:
        _refused("months", "6至12个月", _extend, member, months)
        return
    _extend(member, months)
    stored = Member.objects.get(pk=member.pk)
    assert stored.probation_extension_months == months
    assert stored.probation_extended_on == date(2026, 6, 1)
    assert stored.probation_extension_reason == "需继续考察"
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "members.member.extend_probation"
    assert stored.events.filter(kind="probation_extended").count() == 1


def test_second_extension_and_full_members_are_refused(org) -> None:
    member = _probationary(org)
    _extend(member, 6)
    _refused("months", "只能延长一次", _extend, member, 6)
    full = services.register_member(actor=SYSTEM, org=org("CT01-ZB1"), data=data(), today=TODAY)
    _refused("months", "正式党员不能延长", _extend, full, 6)
    _refused("reason", "原因", _extend, _probationary(org), 6, reason=" ")


def test_full_only_after_the_extended_probation(org) -> None:
    member = _probationary(org)
    _extend(member, 6)
    # A year after admission is no longer enough; the extended end is.
    _refused("full_on", "延长6个月", _make_full, member, date(2026, 6, 1))
    _refused("full_on", "不能早于2026-12-01", _make_full, member, date(2026, 11, 30))
    made = _make_full(member, date(2026, 12, 1))
    assert made.status == MemberStatus.FULL and made.full_on == date(2026, 12, 1)


def test_extension_page(client_for, org) -> None:
    member = _probationary(org, admitted=date(2025, 9, 1))
    client = client_for("secretary1")
    url = f"/members/{member.pk}/do/extend-probation/"
    page = client.get(url)
    assert page.status_code == 200 and "延长预备期" in page.content.decode()
    assert f'name="version" value="{member.version}"' in page.content.decode()
    sent = {"decided_on": "2026-09-01", "reason": "考察", "version": member.version}
    bad = client.post(url, {**sent, "months": 13})
    assert "6至12个月" in bad.content.decode()
    assert Member.objects.get(pk=member.pk).probation_extension_months is None
    done = client.post(url, {**sent, "months": 6})
    assert done.status_code == 302
    assert Member.objects.get(pk=member.pk).probation_extension_months == 6
    assert "2026-09-01决定" in client.get(f"/members/{member.pk}/").content.decode()
    body = client.get(f"/api/members/{member.pk}/").json()  # the API shows it, read-only
    assert (body["probation_extension_months"], body["probation_extended_on"]) == (6, "2026-09-01")


def test_an_extension_on_a_stale_page_is_refused_and_writes_nothing(org) -> None:
    member = _probationary(org)
    opened = member.version
    services.update_member(
        member,
        actor=SYSTEM,
        expected_version=opened,
        data=data(
            id_number=services.decrypt_id(member),
            status="probationary",
            admitted_on=member.admitted_on,
            full_on=None,
            post="新岗位",
        ),
        today=TODAY,
    )
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as stale:
        _extend(member, 6, expected_version=opened)
    assert "已被他人修改" in " ".join(stale.value.messages)
    assert Member.objects.get(pk=member.pk).probation_extension_months is None
    assert AuditEntry.objects.count() == audits


def test_a_full_member_without_a_full_on_date_is_not_on_probation(client_for, org) -> None:
    member = services.register_member(actor=SYSTEM, org=org("CT01-ZB1"), data=data(), today=TODAY)
    Member.objects.filter(pk=member.pk).update(full_on=None)  # a legacy record
    page = client_for("secretary1").get(f"/members/{member.pk}/").content.decode()
    assert "预备期未满" not in page and "未填写转正日期" in page
    probationary = _probationary(org)
    page = client_for("secretary1").get(f"/members/{probationary.pk}/").content.decode()
    assert "预备期未满" in page


MONTH_ENDS = [
    (date(2026, 5, 2), date(2026, 11, 2)),
    (date(2026, 8, 29), date(2027, 2, 28)),
    (date(2026, 8, 30), date(2027, 2, 28)),
    (date(2026, 8, 31), date(2027, 2, 28)),
    (date(2027, 8, 29), date(2028, 2, 29)),
    (date(2027, 8, 31), date(2028, 2, 29)),
]


@pytest.mark.parametrize(("lost_since", "due_on"), MONTH_ENDS)
def test_review_list_and_service_agree_on_month_ends(
    client_for, org, user, time_machine, lost_since, due_on
) -> None:
    time_machine.move_to(due_on, tick=False)
    member = services.register_member(
        actor=SYSTEM, org=org("CT02-ZB1"), data=data(name="失联者"), today=due_on
    )
    movements.mark_lost_contact(member, actor=user("supervisor"), since=lost_since)
    day_before = due_on - timedelta(days=1)

    def listed() -> str:
        # Logged in afresh on the day (a password set in 2026 has expired by 2028).
        User.objects.filter(username="supervisor").update(password_changed_at=timezone.now())
        context = client_for("supervisor").get("/members/suspension-review/").context
        due = [m.pk for m in context["due"]]
        waiting = [m.pk for m in context["waiting"]]
        assert (member.pk in due) != (member.pk in waiting)
        return "due" if member.pk in due else "waiting"

    time_machine.move_to(day_before, tick=False)
    assert listed() == "waiting"
    _refused(
        "on",
        f"{due_on:%Y-%m-%d}起方可办理",
        movements.suspend_membership,
        member,
        actor=SYSTEM,
        on=day_before,
        decision="支委会决定",
    )
    time_machine.move_to(due_on, tick=False)
    assert listed() == "due"
    movements.suspend_membership(member, actor=user("supervisor"), on=due_on, decision="支委会决定")
    assert Member.objects.get(pk=member.pk).status == MemberStatus.SUSPENDED


def test_review_text_cites_the_rule_not_a_county_setting(client_for) -> None:
    page = client_for("supervisor").get("/members/suspension-review/").content.decode()
    assert "县级设置" not in page and "第二十四条" in page


SETTINGS = {
    "transfer_letter_valid_months": 3,
    "branch_term_years": 3,
    "lost_contact_review_months": 6,
    "extra_committee_posts": "青年委员",
}


@pytest.mark.parametrize(
    ("months", "ok"), [(1, False), (5, False), (6, True), (9, True), (25, False)]
)
def test_county_may_lengthen_the_review_never_shorten_it(user, months, ok) -> None:
    before = (CountySettings.current().lost_contact_review_months, AuditEntry.objects.count())
    values = {**SETTINGS, "lost_contact_review_months": months}
    if ok:
        update_county_settings(actor=user("supervisor"), values=values)
        assert CountySettings.current().lost_contact_review_months == months
        return
    with pytest.raises(ValidationError) as caught:
        update_county_settings(actor=user("supervisor"), values=values)
    message = caught.value.message_dict["lost_contact_review_months"][0]
    assert ("不得少于6个月" if months < 6 else "6至24个月") in message
    assert (
        CountySettings.current().lost_contact_review_months,
        AuditEntry.objects.count(),
    ) == before


def test_settings_form_refuses_five_months(client_for) -> None:
    page = client_for("supervisor").post(
        "/orgs/settings/", {**SETTINGS, "lost_contact_review_months": 5}
    )
    assert page.status_code == 200 and "不得少于6个月" in page.content.decode()


def test_a_lengthened_review_applies_to_list_and_service(org, user) -> None:
    update_county_settings(
        actor=user("supervisor"), values={**SETTINGS, "lost_contact_review_months": 9}
    )
    member = services.register_member(actor=SYSTEM, org=org("CT02-ZB1"), data=data(), today=TODAY)
    movements.mark_lost_contact(member, actor=user("supervisor"), since=date(2026, 1, 31))
    _refused(
        "on",
        "满9个月",
        movements.suspend_membership,
        member,
        actor=SYSTEM,
        on=date(2026, 10, 30),
        decision="决定",
    )
    movements.suspend_membership(
        member, actor=user("supervisor"), on=date(2026, 10, 31), decision="决定"
    )


def test_migration_raises_short_settings_to_six() -> None:
    from django.apps import apps

    CountySettings.objects.update_or_create(pk=1, defaults={"lost_contact_review_months": 3})
    migration = importlib.import_module("dangjian.orgs.migrations.0003_lost_contact_review_floor")
    migration.raise_to_floor(apps, None)
    assert CountySettings.current().lost_contact_review_months == 6
