"""Who may act besides a signed-in user: a named system actor for commands, jobs and sweeps.

A user acts with the roles its grants give it at the object's node; a ``SystemActor`` holds the
single pseudo-role ``SYSTEM_ROLE``, which no grant can carry (it is not a ``Role`` choice), so a
workflow step reserved for the machine (an import finishing, a stale job failing) cannot be taken
by a person and a person's step cannot be taken by a job that forgot whose behalf it acts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class SystemActor:
    """A command, job or sweeper, named in the audit log as ``system:<name>``.

    ``roles`` is ``{SYSTEM_ROLE}`` unless a command that does a person's work (the demo loader
    recording a lost-contact case) names the role it acts in; it then acts platform-wide, as
    commands run by an operator on the server always have."""

    name: str
    roles: frozenset[str] = frozenset({SYSTEM_ROLE})

    # Read by code written for users (audit, scope): a system actor is nobody's session.
    is_authenticated = False
    is_active = False
    pk = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a system actor needs a name")

    @property
    def audit_name(self) -> str:
        return f"system:{self.name}"[:150]

    def get_username(self) -> str:
        return self.audit_name


def actor_name(actor: Any) -> str:
    """The name an audit entry or a transition row shows for ``actor``."""
    if isinstance(actor, SystemActor):
        return actor.audit_name
    if getattr(actor, "is_authenticated", False):
        return str(actor.get_username())[:150]
    return ""
