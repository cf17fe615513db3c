"""The workflow table itself: declaration errors, the plain table, refusals (no database)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.actors import SYSTEM_ROLE, SystemActor, actor_name
from dangjian.core.workflow import NOT_FOR_ROLE, Workflow, actor_roles, step

LABELS = {"draft": "草稿", "sent": "已报送", "closed": "已办结"}


def _flow() -> Workflow:
    return Workflow(
        model="tests.letter",
        state_labels=LABELS,
        audit_prefix="tests.letter",
        steps=(
            step("send", ["draft"], "sent", roles=["clerk"], label="报送", field="note"),
            step(
                "close",
                ["draft", "sent"],
                "closed",
                roles=[SYSTEM_ROLE],
                label="办结",
                refusal="{state}的文书不能{label}",
            ),
        ),
    )


def test_the_declared_steps_read_as_a_plain_table() -> None:
    assert _flow().table == {
        ("draft", "send"): "sent",
        ("draft", "close"): "closed",
        ("sent", "close"): "closed",
    }


def test_every_state_action_and_role_is_decided_by_the_table() -> None:
    flow = _flow()
    for state in LABELS:
        for action in flow.actions:
            for role in ("clerk", "secretary", SYSTEM_ROLE):
                allowed = (state, action) in flow.table and role in flow.step_for(action).roles
                assert flow.allows(state, action, {role}) is allowed
                if allowed:
                    assert flow.check(state, action, {role}).target == flow.table[state, action]
                else:
                    with pytest.raises(ValidationError):
                        flow.check(state, action, {role})


def test_refusals_name_the_field_and_say_why_in_chinese() -> None:
    flow = _flow()
    with pytest.raises(ValidationError) as wrong_state:
        flow.check("sent", "send", {"clerk"})
    assert wrong_state.value.message_dict == {"note": ["当前状态为“已报送”，不能报送"]}
    with pytest.raises(ValidationError) as wrong_role:
        flow.check("draft", "send", {"secretary"})
    assert wrong_role.value.message_dict == {"note": [NOT_FOR_ROLE.format(label="报送")]}
    with pytest.raises(ValidationError) as own_message:
        flow.check("closed", "close", {SYSTEM_ROLE})
    assert own_message.value.message_dict == {"__all__": ["已办结的文书不能办结"]}


def test_a_table_with_mistakes_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Workflow(
            model="tests.x",
            state_labels=LABELS,
            audit_prefix="x",
            steps=(
                step("send", ["draft"], "sent", roles=["clerk"], label="报送"),
                step("send", ["sent"], "closed", roles=["clerk"], label="报送"),
            ),
        )
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(
            model="tests.x",
            state_labels=LABELS,
            audit_prefix="x",
            steps=(step("send", ["draft"], "archived", roles=["clerk"], label="报送"),),
        )
    with pytest.raises(ValueError, match="no action"):
        _flow().step_for("reopen")


def test_a_system_actor_holds_its_own_roles_and_is_named_in_the_log() -> None:
    worker = SystemActor("job_worker")
    assert actor_roles(worker, node=None) == frozenset({SYSTEM_ROLE})
    assert actor_roles(SystemActor("load_demo", roles=frozenset({"supervisor"})), None) == {
        "supervisor"
    }
    assert actor_name(worker) == "system:job_worker" and not worker.is_authenticated
    with pytest.raises(ValueError):
        SystemActor(" ")
