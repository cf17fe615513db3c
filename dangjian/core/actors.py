"""Who acts: a signed-in user, or a named system actor for commands, jobs and sweeps.

Every service takes ``actor: Actor`` (keyword) and calls ``require_actor`` first: ``None`` is a
programming error, never a silent pass (ADR 0021). A user acts with the roles its grants give it
at the object's node; a ``SystemActor`` holds the single pseudo-role ``SYSTEM_ROLE``, which no
grant can carry (it is not a ``Role`` choice), so a workflow step reserved for the machine (an
import finishing, a stale job failing) cannot be taken by a person and a person's step cannot be
taken by a job that forgot whose behalf it acts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    # Only for the type: core must not import the accounts app, and the base class needs the
    # app registry, which is not ready when this module is first imported.
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

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


# A request's user may be anonymous (a refused login, a denial recorded before sign-in); the
# services' own checks refuse it, so the type admits it and the scope decides.
Actor: TypeAlias = "AbstractBaseUser | AnonymousUser | SystemActor"


def require_actor(actor: Any) -> Actor:
    """``actor`` itself, or ``TypeError`` at once for ``None`` or something that cannot act."""
    if isinstance(actor, SystemActor):
        return actor
    if actor is None or not hasattr(actor, "is_authenticated") or isinstance(actor, str):
        raise TypeError(f"a service needs an actor (a user or a SystemActor), not {actor!r}")
    return actor  # type: ignore[no-any-return]


def actor_name(actor: Actor) -> str:
    """The name an audit entry or a transition row shows for ``actor``."""
    if isinstance(actor, SystemActor):
        return actor.audit_name
    if getattr(actor, "is_authenticated", False):
        return str(actor.get_username())[:150]
    return ""
