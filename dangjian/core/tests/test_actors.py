"""Typed actors (ADR 0021): every service needs an actor, checks the actor's scope itself, and a
refusal for an object outside that scope (``NotVisible``) answers 404 at the page and API edges.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from dangjian.accounts import services as accounts
from dangjian.accounts.permissions import AccountAction
from dangjian.core import audit
from dangjian.core.actors import SystemActor, actor_name, require_actor
from dangjian.core.errors import NotAllowed, NotVisible
from dangjian.core.models import AuditEntry, SealedPeriod
from dangjian.core.scoping import require_anywhere, require_permits, require_permits_on
from dangjian.core.sealing import seal_period
from dangjian.governance import services as governance
from dangjian.governance.models import CommitteeTerm
from dangjian.members import movements
from dangjian.members import services as members
from dangjian.members.models import ImportJob, ImportStatus, Member, MemberEvent
from dangjian.members.notices import TRANSFER_IN_RECEIVED
from dangjian.members.permissions import MemberAction
from dangjian.members.tests.helpers import data
from dangjian.members.workbook import importer, jobs
from dangjian.notifications import services as notifications
from dangjian.orgs import services as orgs
from dangjian.orgs.models import OrgNode
from dangjian.orgs.permissions import OrgAction

pytestmark = pytest.mark.django_db

TESTS = SystemActor("tests")
MAY_2026 = datetime(2026, 5, 6, 9, 0, tzinfo=UTC)
NOW = MAY_2026


def _state() -> tuple[Any, ...]:
    """What an out-of-scope or actorless call must leave as it was."""
    return (
        AuditEntry.objects.count(),
        sorted(OrgNode.objects.values_list("pk", "name", "path", "version", "dissolved_on")),
        sorted(Member.objects.values_list("pk", "org_id", "name", "status", "version")),
        MemberEvent.objects.count(),
        CommitteeTerm.objects.count(),
        SealedPeriod.objects.count(),
        sorted(ImportJob.objects.values_list("pk", "status")),
    )


def _member_in(org: Any, code: str) -> Member:
    return members.register_member(actor=TESTS, org=org(code), data=data())


def test_require_actor_refuses_none_and_strings_and_keeps_actors() -> None:
    for nobody in (None, "system:members", 42):
        with pytest.raises(TypeError, match="actor"):
            require_actor(nobody)
    anonymous = AnonymousUser()
    assert require_actor(TESTS) is TESTS and require_actor(anonymous) is anonymous
    assert actor_name(TESTS) == "system:tests" and actor_name(anonymous) == ""


def _writes(org: Any, user: Any) -> dict[str, Callable[[Any], Any]]:
    """One call per service family, each with arguments that succeed for an allowed actor."""
    member = _member_in(org, "CT01-ZB1")
    term = governance.record_election(actor=TESTS, org=org("CT01-ZB1"), elected_on=date(2026, 1, 5))
    node = org("CT01-ZB1")
    job = ImportJob.objects.create(
        org=node,
        created_by=user("secretary1"),
        original_name="t.xlsx",
        file_sha256="0" * 64,
        status=ImportStatus.VALID,
    )
    return {
        "orgs.create_org": lambda actor: orgs.create_org(
            actor=actor, parent=node, kind="party_group", code="CT01-ZB1-XZ9", name="第九党小组"
        ),
        "orgs.update_org": lambda actor: orgs.update_org(
            node, actor=actor, expected_version=node.version, name="改名", code=node.code
        ),
        "orgs.update_county_settings": lambda actor: orgs.update_county_settings(
            actor=actor,
            values={
                "transfer_letter_valid_months": 3,
                "branch_term_years": 3,
                "lost_contact_review_months": 6,
                "extra_committee_posts": "",
            },
        ),
        "members.register_member": lambda actor: members.register_member(
            actor=actor, org=node, data=data()
        ),
        "members.update_member": lambda actor: members.update_member(
            member, actor=actor, expected_version=member.version, data=data(name="新名字")
        ),
        "members.reveal_id_number": lambda actor: members.reveal_id_number(member, actor=actor),
        "movements.mark_lost_contact": lambda actor: movements.mark_lost_contact(
            member, actor=actor, since=date(2026, 2, 1)
        ),
        "governance.record_election": lambda actor: governance.record_election(
            actor=actor, org=node, elected_on=date(2026, 3, 1)
        ),
        "governance.extend_term": lambda actor: governance.extend_term(
            term, actor=actor, until=date(2029, 6, 1), approval_ref="批复1号"
        ),
        "sealing.seal_period": lambda actor: seal_period(
            org("CT01"), "2026-Q1", actor=actor, now=MAY_2026
        ),
        "importer.validate": lambda actor: importer.validate(b"", actor=actor),
        "jobs.confirm_import": lambda actor: jobs.confirm_import(
            job, actor=actor, now=NOW, background=False
        ),
        "notifications.notify": lambda actor: notifications.notify(
            [user("secretary1")], TRANSFER_IN_RECEIVED.key, "t:1", "标题", actor=actor, now=NOW
        ),
        "accounts.change_password": lambda actor: accounts.change_password(
            user("clerk1"), new_password="Another-Passw0rd!", actor=actor
        ),
        "audit.record": lambda actor: audit.record("tests.probe", actor=actor),
    }


def test_every_service_refuses_a_missing_actor_and_writes_nothing(org, user) -> None:
    calls = _writes(org, user)
    before = _state()
    for name, call in calls.items():
        with pytest.raises(TypeError, match="actor"):
            call(None)
        assert _state() == before, name


@pytest.mark.parametrize(
    ("name", "outsider"),
    [
        ("orgs.create_org", "branch"),
        ("orgs.update_org", "branch"),
        ("members.register_member", "branch"),
        ("members.update_member", "branch"),
        ("members.reveal_id_number", "branch"),
        ("movements.mark_lost_contact", "branch"),
        ("governance.record_election", "branch"),
        ("governance.extend_term", "branch"),
        ("sealing.seal_period", "county"),
        ("jobs.confirm_import", "branch"),
    ],
)
def test_a_write_outside_the_actors_scope_is_not_visible_and_writes_nothing(
    name: str, outsider: str, org, user
) -> None:
    calls = _writes(org, user)
    actor = _outsider(org, outsider)
    before = _state()
    with pytest.raises(NotVisible):
        calls[name](actor)
    assert _state() == before


def _outsider(org: Any, kind: str) -> Any:
    """A user whose roles allow the action, granted only where the target is not."""
    from dangjian.accounts.tests.factories import make_account
    from dangjian.core.permissions import Role

    if kind == "county":
        return make_account("seal_outsider", role=Role.SUPERVISOR, node=org("JT01"))
    return make_account("branch_outsider", role=Role.SECRETARY, node=org("JT01-ZB1"))


def test_a_role_that_may_not_act_anywhere_is_not_allowed(org, user) -> None:
    calls = _writes(org, user)
    before = _state()
    for name, username in (
        ("members.reveal_id_number", "supervisor"),  # may view, may reveal nowhere
        ("orgs.update_org", "observer1"),
        ("orgs.update_county_settings", "secretary1"),
        ("governance.record_election", "auditor"),
    ):
        with pytest.raises(NotAllowed) as refused:
            calls[name](user(username))
        assert isinstance(refused.value, PermissionDenied), name
    assert _state() == before


def test_a_system_actor_passes_the_scope_gate_and_is_named(org) -> None:
    node = org("JT01-ZB1")
    require_permits_on(TESTS, MemberAction.CHANGE, node)
    require_anywhere(TESTS, OrgAction.COUNTY_SETTINGS)
    member = members.register_member(actor=SystemActor("scope_probe"), org=node, data=data())
    entry = AuditEntry.objects.latest("seq")
    assert entry.object_id == str(member.pk) and entry.actor_username == "system:scope_probe"
    assert member.events.get().actor_username == "system:scope_probe"


def test_the_gate_refuses_anonymous_and_decides_like_permits(org, user) -> None:
    node = org("CT01-ZB1")
    with pytest.raises(NotAllowed):
        require_permits(AnonymousUser(), MemberAction.CHANGE, path=node.path, pk=node.pk)
    require_permits(user("secretary1"), MemberAction.CHANGE, path=node.path, pk=node.pk)
    with pytest.raises(NotVisible):
        require_permits_on(user("secretary1"), MemberAction.CHANGE, org("CT02-ZB1"))


def test_admin_authority_is_decided_by_the_action(user) -> None:
    accounts.require_admin_authority(user("sysadmin"), AccountAction.MANAGE)
    accounts.require_admin_authority(user("secadmin"), AccountAction.SECURITY)
    accounts.require_admin_authority(TESTS, AccountAction.SECURITY)
    with pytest.raises(NotAllowed, match="只有安全管理员"):
        accounts.require_admin_authority(user("sysadmin"), AccountAction.SECURITY)
    with pytest.raises(NotAllowed, match="只有系统管理员"):
        accounts.require_admin_authority(user("supervisor"), AccountAction.MANAGE)
    with pytest.raises(TypeError):
        accounts.require_admin_authority(None, AccountAction.MANAGE)  # type: ignore[arg-type]


def test_page_answers_404_when_the_service_finds_the_object_not_visible(
    client_for, org, monkeypatch
) -> None:
    node = org("CT01-ZB1")

    def hidden(*args: Any, **kwargs: Any) -> None:
        raise NotVisible

    monkeypatch.setattr(orgs, "update_org", hidden)
    client = client_for("secretary1")  # signing in is audited: count from here
    before = _state()
    response = client.post(
        f"/orgs/{node.pk}/edit/",
        {"kind": node.kind, "code": node.code, "name": "改名", "version": node.version},
    )
    assert response.status_code == 404
    assert "对象不存在" in response.content.decode()  # the normal 404 page
    # Nothing written but the denial itself, logged as for a hidden object the page refused.
    denial = AuditEntry.objects.order_by("-seq").first()
    assert denial is not None and denial.action == "access.denied"
    assert denial.changes["path"] == f"/orgs/{node.pk}/edit/"
    assert _state()[1:] == before[1:] and _state()[0] == before[0] + 1


def test_api_answers_404_json_when_the_service_finds_the_object_not_visible(
    client_for, org, monkeypatch
) -> None:
    node = org("CT01-ZB1")

    def hidden(*args: Any, **kwargs: Any) -> None:
        raise NotVisible

    monkeypatch.setattr(orgs, "update_org", hidden)
    response = client_for("secretary1").patch(
        f"/api/orgs/{node.pk}/",
        {"name": "改名", "version": node.version},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "对象不存在或不在您的授权范围内"}
    denial = AuditEntry.objects.order_by("-seq").first()
    assert denial is not None and denial.action == "access.denied"
    assert denial.changes == {"path": f"/api/orgs/{node.pk}/", "refused_by": "service"}


def test_commands_and_jobs_are_named_in_the_audit_log(org) -> None:
    call_command("verify_stored_files", stdout=_Null())
    assert AuditEntry.objects.latest("seq").actor_username == "system:verify_stored_files"
    # The demo loader built the test database: every entry it wrote names it.
    demo = AuditEntry.objects.filter(action__in=["orgs.org.create", "members.member.create"])
    assert demo.filter(actor_username="system:load_demo").exists()
    assert not demo.filter(actor_username="").exists()


class _Null:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
