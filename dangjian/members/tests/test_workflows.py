"""The members workflows through ``core.workflow.transition`` on real rows: every state × action
× role (allowed steps move and leave a history row, denied ones change nothing and write no
audit entry), a stale view losing to a newer state, and the import job's failure paths."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from dangjian.accounts.models import Grant, User
from dangjian.core.actors import SYSTEM_ROLE, SystemActor
from dangjian.core.models import AuditEntry, Transition
from dangjian.core.permissions import ADMIN_ROLES, Role
from dangjian.core.scoping import roles_at
from dangjian.core.workflow import history, transition, workflow_for
from dangjian.members import flows, movements
from dangjian.members import services as members
from dangjian.members.choices import MemberStatus, TransferStatus
from dangjian.members.models import ImportJob, ImportStatus, Member, TransferIn, TransferOut
from dangjian.members.tests.helpers import data, new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import jobs
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

pytestmark = pytest.mark.django_db

# Who keeps the registry (RULES for member.change / member.import).
KEEPERS: set[str] = {Role.SUPERVISOR.value, Role.SECRETARY.value, Role.CLERK.value}
ALL_ROLES = [*(r.value for r in Role), SYSTEM_ROLE]

# Written out by hand, not read from members.flows: the table under test must match this.
IMPORT_TABLE = {
    ("uploaded", "validate"): "validating",
    ("validating", "pass"): "valid",
    ("validating", "refuse"): "invalid",
    ("importing", "refuse"): "invalid",
    ("validating", "unreadable"): "unreadable",
    ("importing", "unreadable"): "unreadable",
    ("valid", "confirm"): "importing",
    ("importing", "finish"): "done",
    ("validating", "fail"): "failed",
    ("importing", "fail"): "failed",
    ("failed", "retry"): "importing",
    ("failed", "recheck"): "uploaded",
}
IMPORT_ROLES: dict[str, set[str]] = {
    "validate": KEEPERS | {SYSTEM_ROLE},
    "pass": {SYSTEM_ROLE},
    "refuse": {SYSTEM_ROLE},
    "unreadable": {SYSTEM_ROLE},
    "confirm": KEEPERS,
    "finish": {SYSTEM_ROLE},
    "fail": {SYSTEM_ROLE},
    "retry": KEEPERS,
    "recheck": KEEPERS,
}
IMPORT_AUDITED = {"confirm", "fail", "retry", "recheck"}

# 党籍 standing only (ADR 0026): 流动 and 失联 are management states, not steps of this table.
_ON_REGISTER = ["full", "probationary", "suspended"]
MEMBER_TABLE = {
    ("full", "suspend"): "suspended",
    ("probationary", "suspend"): "suspended",
    ("suspended", "restore_full"): "full",
    ("suspended", "restore_probationary"): "probationary",
    **{(state, "exit"): "expelled" for state in _ON_REGISTER},
    **{(state, "decease"): "deceased" for state in _ON_REGISTER},
    **{(state, "transferred_out"): "transferred" for state in _ON_REGISTER},
}
TRANSFER_OUT_TABLE = {
    ("pending", "complete"): "accepted",
    ("pending", "expire"): "expired",
    ("pending", "revoke"): "revoked",
}
TRANSFER_IN_TABLE = {("pending", "accept"): "accepted", ("pending", "reject"): "rejected"}


@pytest.fixture
def branch() -> OrgNode:
    return OrgNode.objects.filter(kind=OrgKind.BRANCH, dissolved_on__isnull=True).order_by("path")[
        0
    ]


@pytest.fixture
def actors(branch: OrgNode) -> dict[str, Any]:
    """One fresh actor per role, holding it on the branch (admin roles platform-wide)."""
    made: dict[str, Any] = {SYSTEM_ROLE: SystemActor("tests")}
    for role in Role:
        user = User.objects.create_user(
            username=f"flow-{role.value}",
            password="x-Unused-Passw0rd!",
            admin_role=role.value if role in ADMIN_ROLES else "",
        )
        if role not in ADMIN_ROLES:
            Grant.objects.create(user=user, role=role, node=branch, include_descendants=True)
        assert role in roles_at(user, path=branch.path, pk=branch.pk)
        made[role.value] = user
    return made


def _snapshot(obj: Any) -> dict[str, Any]:
    return model_to_dict(type(obj).objects.get(pk=obj.pk))


def _walk(
    obj: Any, table: dict[tuple[str, str], str], roles: dict[str, set[str]], actors: Any
) -> int:
    """Try every action × role on ``obj`` in its current state; returns the steps taken."""
    flow = workflow_for(obj)
    state = obj.status
    taken = 0
    for action, role in itertools.product(flow.actions, ALL_ROLES):
        fresh = type(obj).objects.get(pk=obj.pk)
        before, audits = _snapshot(fresh), AuditEntry.objects.count()
        transitions = Transition.objects.count()
        allowed = (state, action) in table and role in roles[action]
        if not allowed:
            with pytest.raises(ValidationError) as refused:
                transition(fresh, action, actor=actors[role], now=timezone.now())
            assert refused.value.messages and all(refused.value.messages)
            assert _snapshot(fresh) == before, (state, action, role)
            assert AuditEntry.objects.count() == audits
            assert Transition.objects.count() == transitions
            continue
        with transaction.atomic():
            now = timezone.now()
            assert transition(fresh, action, actor=actors[role], now=now) == table[state, action]
            stored = type(obj).objects.get(pk=obj.pk)
            assert stored.status == fresh.status == table[state, action]
            last = history(obj).last()
            assert last is not None
            assert (last.from_state, last.to_state, last.action) == (
                state,
                table[state, action],
                action,
            )
            assert last.at == now
            audited = AuditEntry.objects.count() - audits
            assert audited == (0 if not flow.step_for(action).audited else 1), (action, role)
            transaction.set_rollback(True)  # back to ``state`` for the next attempt
        taken += 1
    return taken


def _job(branch: OrgNode, status: str, creator: User) -> ImportJob:
    return ImportJob.objects.create(
        org=branch,
        created_by=creator,
        original_name="t.xlsx",
        file_sha256="0" * 64,
        status=status,
    )


def test_import_job_table_state_by_action_by_role(branch, actors) -> None:
    assert flows.IMPORT_JOB.table == IMPORT_TABLE
    assert {a: set(flows.IMPORT_JOB.step_for(a).roles) for a in IMPORT_ROLES} == IMPORT_ROLES
    assert {a for a in IMPORT_ROLES if flows.IMPORT_JOB.step_for(a).audited} == IMPORT_AUDITED
    taken = sum(
        _walk(_job(branch, state, actors[Role.SECRETARY]), IMPORT_TABLE, IMPORT_ROLES, actors)
        for state in ImportStatus.values
    )
    assert taken == sum(len(IMPORT_ROLES[action]) for _, action in IMPORT_TABLE)


def test_member_status_table_state_by_action_by_role(branch, actors) -> None:
    assert flows.MEMBER.table == MEMBER_TABLE
    roles = {action: set(KEEPERS) for action in flows.MEMBER.actions}
    taken = 0
    for state in MemberStatus.values:
        member = members.register_member(actor=SystemActor("tests"), org=branch, data=data())
        Member.objects.filter(pk=member.pk).update(status=state)
        member.refresh_from_db()
        version = member.version
        taken += _walk(member, MEMBER_TABLE, roles, actors)
        assert Member.objects.get(pk=member.pk).version == version  # every step rolled back
    assert taken == len(MEMBER_TABLE) * len(KEEPERS)


def test_a_member_step_bumps_the_version_and_stamps_the_time(branch, actors) -> None:
    member = members.register_member(actor=SystemActor("tests"), org=branch, data=data())
    version, now = member.version, timezone.now()
    transition(member, "suspend", actor=actors[Role.CLERK], now=now)
    stored = Member.objects.get(pk=member.pk)
    assert stored.version == member.version == version + 1 and stored.updated_at == now
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "members.member.suspend"
    assert entry.changes == {"status": ["full", "suspended"]}
    assert entry.actor_username == "flow-clerk" and entry.org_path == branch.path


def test_transfer_letter_tables_state_by_action_by_role(branch, actors) -> None:
    assert flows.TRANSFER_OUT.table == TRANSFER_OUT_TABLE
    assert flows.TRANSFER_IN.table == TRANSFER_IN_TABLE
    taken = 0
    for state in TransferStatus.values:
        member = members.register_member(actor=SystemActor("tests"), org=branch, data=data())
        letter = TransferOut.objects.create(
            member=member,
            letter_no="L",
            destination="外县",
            issued_on=date(2026, 1, 5),
            valid_until=date(2026, 4, 5),
            status=state,
        )
        out_roles = {
            "complete": set(KEEPERS),
            "expire": KEEPERS | {SYSTEM_ROLE},
            "revoke": set(KEEPERS),
        }
        taken += _walk(letter, TRANSFER_OUT_TABLE, out_roles, actors)
        incoming = TransferIn.objects.create(
            org=branch,
            name="转入者",
            id_number_enc="x",
            id_number_index=new_id(),
            id_number_masked="x",
            from_org="外县",
            letter_no="L",
            received_on=date(2026, 1, 5),
            status=state,
        )
        roles = {"accept": set(KEEPERS), "reject": set(KEEPERS)}
        taken += _walk(incoming, TRANSFER_IN_TABLE, roles, actors)
    # complete, revoke (keepers), expire (keepers and the daily job), accept, reject (keepers)
    assert taken == 5 * len(KEEPERS) + 1


def test_a_transition_needs_an_actor(branch, actors) -> None:
    job = _job(branch, ImportStatus.VALID, actors[Role.SECRETARY])
    with pytest.raises(TypeError):
        transition(job, "confirm", actor=None, now=timezone.now())  # type: ignore[arg-type]
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.VALID


def test_a_stale_view_loses_with_state_changed_and_overwrites_nothing(branch, actors) -> None:
    job = _job(branch, ImportStatus.VALID, actors[Role.SECRETARY])
    first, second = ImportJob.objects.get(pk=job.pk), ImportJob.objects.get(pk=job.pk)
    transition(first, "confirm", actor=actors[Role.SECRETARY], now=timezone.now())
    transition(first, "finish", actor=SystemActor("tests"), now=timezone.now())
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as changed:
        transition(second, "confirm", actor=actors[Role.CLERK], now=timezone.now())
    assert changed.value.messages == ["状态已变化（现为“已完成”），未作任何修改，请刷新页面后重试"]
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE
    assert AuditEntry.objects.count() == audits
    assert [t.action for t in history(job)] == ["confirm", "finish"]


def _valid_job(secretary: User, rows: int = 5) -> ImportJob:
    node = secretary.grants.get().node
    upload = workbook([row(f"流转{i}", new_id(), branch=node.code) for i in range(rows)])
    job = jobs.store_upload(upload, "flow.xlsx", actor=secretary, org=node)
    jobs.validate_job(job, actor=secretary)
    assert job.status == ImportStatus.VALID
    return job


def test_confirming_twice_through_the_page_imports_once(client_for, user) -> None:
    secretary = user("secretary1")
    job = _valid_job(secretary)
    client = client_for("secretary1")
    before = Member.objects.count()
    client.post(f"/members/import/{job.pk}/confirm/")
    again = client.post(f"/members/import/{job.pk}/confirm/", follow=True).content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 5
    assert Member.objects.count() == before + 5
    assert "当前状态为“已完成”，不能确认导入" in again
    assert [t.action for t in history(job)] == ["validate", "pass", "confirm", "finish"]


def test_the_job_page_no_longer_fails_stale_jobs_on_get(client_for, user) -> None:
    job = _valid_job(user("secretary1"))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, heartbeat_at=timezone.now() - jobs.stale_after() * 3
    )
    assert client_for("secretary1").get(f"/members/import/{job.pk}/").status_code == 200
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.IMPORTING
    assert jobs.mark_stale_failed(timezone.now()) == 1  # the worker's sweep does it
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.message == jobs.STALE_MESSAGE
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "members.import_job.fail"
    assert entry.actor_username == "system:members.stale_imports"


def test_an_import_the_sweep_failed_cannot_finish_and_its_rows_roll_back(user) -> None:
    secretary = user("secretary1")
    job = _valid_job(secretary)
    jobs.confirm_import(job, actor=secretary, now=timezone.now(), background=False)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - jobs.stale_after() * 3)
    assert jobs.mark_stale_failed(timezone.now()) == 1
    before = Member.objects.count()
    with pytest.raises(ValidationError, match="状态已变化"):
        jobs.run_import(job)  # this worker still believes the job is IMPORTING
    assert Member.objects.count() == before
    stored = ImportJob.objects.get(pk=job.pk)
    assert stored.status == ImportStatus.FAILED and stored.message == jobs.STALE_MESSAGE


def test_a_member_movement_refused_for_state_writes_nothing(user) -> None:
    secretary = user("secretary1")
    node = secretary.grants.get().node
    member = members.register_member(actor=secretary, org=node, data=data())
    movements.start_mobility(member, actor=secretary, place="杭州市", left_on=date(2026, 3, 1))
    audits, version = AuditEntry.objects.count(), Member.objects.get(pk=member.pk).version
    with pytest.raises(ValidationError) as refused:
        movements.start_mobility(member, actor=secretary, place="宁波", left_on=date(2026, 4, 1))
    assert refused.value.message_dict == {"place": ["该党员已是流动党员，请先登记返回"]}
    assert AuditEntry.objects.count() == audits
    assert Member.objects.get(pk=member.pk).version == version
    # A management state is no step of the standing's workflow: no history row.
    assert list(history(member)) == []


def test_side_effects_run_after_commit_and_never_for_a_refused_step(
    branch, actors, django_capture_on_commit_callbacks
) -> None:
    job = _job(branch, ImportStatus.VALID, actors[Role.SECRETARY])
    ran: list[str] = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        transition(
            job,
            "confirm",
            actor=actors[Role.CLERK],
            now=timezone.now(),
            on_commit=lambda: ran.append(ImportJob.objects.get(pk=job.pk).status),
        )
        assert ran == []  # not before the transaction commits
    assert len(callbacks) == 1 and ran == [ImportStatus.IMPORTING]
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        transition(
            job, "confirm", actor=actors[Role.CLERK], now=timezone.now(), on_commit=ran.clear
        )
    assert callbacks == [] and ran == [ImportStatus.IMPORTING]


def test_confirming_a_job_whose_upload_was_purged_writes_nothing(user) -> None:
    from dangjian.core.files import services as stored_files

    secretary = user("secretary1")
    job = _valid_job(secretary)
    assert job.upload_id is not None
    stored_files.purge([job.upload_id], now=timezone.now())
    job = ImportJob.objects.select_related("org").get(pk=job.pk)
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as gone:
        jobs.confirm_import(job, actor=secretary, now=timezone.now(), background=False)
    assert gone.value.messages == [jobs.CONFIRM_GONE_MESSAGE]
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.VALID
    assert AuditEntry.objects.count() == audits
    assert [t.action for t in history(job)] == ["validate", "pass"]
