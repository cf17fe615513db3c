"""Workflow transitions: a declared table of steps and one guarded ``transition()``.

A domain app declares, per model, which action moves which state to which next state and which
roles may take it (``Workflow`` and ``Step`` below, pure data), registers it from its
``apps.py`` ready(), and writes every state change through ``transition()``:

- the table and the actor's roles at the object's node decide whether the step is allowed;
- the row is locked and flipped only if it still holds the state the caller saw
  (``UPDATE … WHERE pk = … AND state = old``): of two near-simultaneous confirms exactly one
  flips the row, the other is told the state changed and writes nothing;
- the flip, the time stamps, one ``Transition`` row and the audit entry share one transaction;
- side effects (enqueueing the next job, notifications) run only after that transaction commits.

Roles are ``core.permissions.Role`` values for people and ``core.actors.SYSTEM_ROLE`` for a
``SystemActor`` (job worker, sweeps, commands). See docs/adr/0014-declared-workflow-transitions.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F

from dangjian.core import audit
from dangjian.core.actors import Actor, SystemActor, actor_name, require_actor
from dangjian.core.audit_names import declare_audit_names

STATE_CHANGED = "状态已变化（现为“{current}”），未作任何修改，请刷新页面后重试"
NOT_FROM_STATE = "当前状态为“{state}”，不能{label}"
NOT_FOR_ROLE = "您的角色不能{label}"


@dataclass(frozen=True)
class Step:
    """One action: the states it may start from, the state it leads to, who may take it."""

    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str  # the Chinese verb phrase refusals use: “确认导入”
    field: str = "__all__"  # the form field a refusal is reported on
    refusal: str = NOT_FROM_STATE  # may use {state} (label of the current state) and {label}
    stamp: str = ""  # a field set to the transition's time when this step is taken
    audit: str = ""  # the audit action's last part when it is not the action's name
    # False only for bookkeeping steps whose audit entry would break a house rule or repeat one
    # written beside it (a refused upload leaves the audit log unchanged); the transition row
    # is written either way.
    audited: bool = True


def step(
    action: str,
    sources: Iterable[str],
    target: str,
    *,
    roles: Iterable[str],
    label: str,
    field: str = "__all__",
    refusal: str = NOT_FROM_STATE,
    stamp: str = "",
    audit: str = "",
    audited: bool = True,
) -> Step:
    return Step(
        action=action,
        sources=frozenset(str(s) for s in sources),
        target=str(target),
        roles=frozenset(str(r) for r in roles),
        label=label,
        field=field,
        refusal=refusal,
        stamp=stamp,
        audit=audit,
        audited=audited,
    )


@dataclass(frozen=True)
class Workflow:
    """The transition table of one model.

    The actor's roles are the ones it holds at the row's owning node, reached the way the model
    declares it once (``scope_path_field`` without ``__path``: ``org``, ``member__org``); ``node``
    overrides that lookup for a model that is not organisation-owned. ``touch`` fields get the
    transition's time on every step (``updated_at``, a heartbeat); ``version_field`` is bumped
    (optimistic locking).
    """

    model: str  # "app_label.modelname"
    steps: tuple[Step, ...]
    state_labels: Mapping[str, str]
    audit_prefix: str
    state_field: str = "status"
    node: str = ""
    touch: tuple[str, ...] = ()
    version_field: str = ""
    _by_action: dict[str, Step] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_action: dict[str, Step] = {}
        for declared in self.steps:
            if declared.action in by_action:
                raise ValueError(f"{self.model}: action {declared.action!r} declared twice")
            unknown = (declared.sources | {declared.target}) - set(self.state_labels)
            if unknown:
                raise ValueError(f"{self.model}: unknown states {sorted(unknown)}")
            by_action[declared.action] = declared
        object.__setattr__(self, "_by_action", by_action)

    @property
    def table(self) -> dict[tuple[str, str], str]:
        """``{(state, action): next_state}``, the declared table in its plain form."""
        return {(source, s.action): s.target for s in self.steps for source in sorted(s.sources)}

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(self._by_action)

    def step_for(self, action: str) -> Step:
        try:
            return self._by_action[action]
        except KeyError:
            raise ValueError(f"{self.model}: no action {action!r}") from None

    def label_of(self, state: str) -> str:
        return str(self.state_labels.get(state, state))

    def next_state(self, state: str, action: str) -> str | None:
        declared = self.step_for(action)
        return declared.target if state in declared.sources else None

    def allows(self, state: str, action: str, roles: Iterable[str]) -> bool:
        declared = self.step_for(action)
        return state in declared.sources and not declared.roles.isdisjoint(roles)

    def check(self, state: str, action: str, roles: Iterable[str]) -> Step:
        """The step for ``action`` from ``state`` by someone holding ``roles``, or the Chinese
        refusal as a ``ValidationError`` keyed by the step's field. Pure: no query, no clock."""
        declared = self.step_for(action)
        if declared.roles.isdisjoint(roles):
            raise ValidationError({declared.field: NOT_FOR_ROLE.format(label=declared.label)})
        return self.check_state(state, action)

    def check_state(self, state: str, action: str) -> Step:
        """The state half of ``check``: for a service that refuses a wrong state before its
        other checks (its role is checked by ``transition``)."""
        declared = self.step_for(action)
        if state not in declared.sources:
            message = declared.refusal.format(state=self.label_of(state), label=declared.label)
            raise ValidationError({declared.field: message})
        return declared


_REGISTRY: dict[str, Workflow] = {}


def register(flow: Workflow) -> Workflow:
    """Called from the owning app's ready(); core keeps no list of domain workflows."""
    existing = _REGISTRY.get(flow.model)
    if existing is not None and existing is not flow:
        raise ValueError(f"a workflow for {flow.model} is already registered")
    _REGISTRY[flow.model] = flow
    declare_audit_names(
        {f"{flow.audit_prefix}.{s.audit or s.action}": s.label for s in flow.steps if s.audited}
    )
    return flow


def registered() -> tuple[Workflow, ...]:
    return tuple(_REGISTRY.values())


def workflow_for(obj_or_model: models.Model | type[models.Model]) -> Workflow:
    label = obj_or_model._meta.label_lower
    try:
        return _REGISTRY[label]
    except KeyError:
        raise LookupError(f"no workflow registered for {label}") from None


def _node_of(obj: models.Model, lookup: str) -> Any:
    return reduce(getattr, lookup.split("__"), obj)


def actor_roles(actor: Actor, node: Any) -> frozenset[str]:
    """The roles ``actor`` holds at ``node``; a system actor holds its own everywhere."""
    if isinstance(actor, SystemActor):
        return actor.roles
    from dangjian.core.scoping import roles_at

    return roles_at(actor, path=node.path, pk=node.pk)


def transition(
    obj: models.Model,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    fields: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    on_commit: Callable[[], None] | None = None,
) -> str:
    """Take ``action`` on ``obj`` from the state the caller loaded; returns the new state.

    ``fields`` are further columns written in the same UPDATE (counts, a date the step records);
    ``changes`` go into the audit entry beside the state change. On success ``obj`` carries the
    new values. Refused (state, role, or changed meanwhile): ``ValidationError``, nothing written.
    """
    require_actor(actor)
    flow = workflow_for(obj)
    model = type(obj)
    expected = str(getattr(obj, flow.state_field))
    with transaction.atomic():
        audit.lock_chain()  # the audit lock first, then the row: one order for every writer
        manager = model._default_manager
        from dangjian.core.ownership import owner_lookup  # defines models: not at import time

        lookup = flow.node or owner_lookup(model)
        locked = manager.select_for_update(of=("self",)).select_related(lookup).get(pk=obj.pk)
        node = _node_of(locked, lookup)
        declared = flow.check(expected, action, actor_roles(actor, node))
        current = str(getattr(locked, flow.state_field))
        if current != expected:
            raise _changed(flow, current)
        values: dict[str, Any] = dict.fromkeys(flow.touch, now)
        if declared.stamp:
            values[declared.stamp] = now
        values.update(fields or {})
        values[flow.state_field] = declared.target
        update = dict(values)
        if flow.version_field:
            update[flow.version_field] = F(flow.version_field) + 1
        # Compare-and-swap: SQLite takes no row lock for select_for_update, the WHERE does.
        flipped = manager.filter(pk=obj.pk, **{flow.state_field: expected}).update(**update)
        if flipped != 1:
            now_state = manager.values_list(flow.state_field, flat=True).get(pk=obj.pk)
            raise _changed(flow, str(now_state))
        for name, value in values.items():
            setattr(obj, name, value)
        if flow.version_field:
            setattr(obj, flow.version_field, getattr(locked, flow.version_field) + 1)
        _write_history(obj, declared, expected, actor=actor, now=now)
        if declared.audited:
            audit.record(
                f"{flow.audit_prefix}.{declared.audit or action}",
                actor=actor,
                obj=obj,
                org_path=node.path,
                changes={flow.state_field: [expected, declared.target], **(changes or {})},
                username=actor_name(actor),
            )
        if on_commit is not None:
            transaction.on_commit(on_commit)
    return declared.target


def _changed(flow: Workflow, current: str) -> ValidationError:
    return ValidationError({"__all__": STATE_CHANGED.format(current=flow.label_of(current))})


def _write_history(
    obj: models.Model, declared: Step, from_state: str, *, actor: Actor, now: datetime
) -> None:
    from django.contrib.contenttypes.models import ContentType

    from dangjian.core.models import Transition

    Transition.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        action=declared.action,
        from_state=from_state,
        to_state=declared.target,
        actor_id=None if isinstance(actor, SystemActor) else getattr(actor, "pk", None),
        actor_name=actor_name(actor),
        at=now,
    )


def history(obj: models.Model) -> models.QuerySet[Any]:
    """The object's transitions, oldest first."""
    from django.contrib.contenttypes.models import ContentType

    from dangjian.core.models import Transition

    return Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    )
