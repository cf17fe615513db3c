"""Roles, actions and which role may do what: the one place that answers "may this role …".

Scope (where on the tree) is decided by grants in ``dangjian.core.scoping``; this module only says
which roles an action needs. Each app declares its own actions with ``declare_actions`` in its
``permissions.py`` (imported from its ``apps.py``); deny by default: an undeclared action is allowed
to nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", "国资中心党建科"
    SECRETARY = "secretary", "党组织书记"
    CLERK = "clerk", "党务工作者"
    EXECUTIVE = "executive", "企业负责人/董事会秘书"
    MEMBER = "member", "党员"
    OBSERVER = "observer", "组织部/纪委观察员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


# 三权分立: held alone, platform-wide, never together with a business grant.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_ROLES)


class Action:
    """The platform's own actions; each domain app declares its own in its ``permissions.py``."""

    AUDIT_VIEW = "audit.view"
    PERIOD_SEAL = "period.seal"
    SCHEDULER_VIEW = "scheduler.view"
    SCHEDULER_RUN = "scheduler.run"


# Who reads an organisation's records: every business role (admin roles read nothing by default).
READERS = frozenset(
    {Role.SUPERVISOR, Role.SECRETARY, Role.CLERK, Role.EXECUTIVE, Role.MEMBER, Role.OBSERVER}
)
# Who keeps an organisation's records.
KEEPERS = frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK})

_RULES: dict[str, frozenset[str]] = {}
_IDENTITY_ACTIONS: set[str] = set()
# Read-only view of every declared action and its roles (tests and docs walk it).
RULES: Mapping[str, frozenset[str]] = MappingProxyType(_RULES)


def declare_actions(
    rules: Mapping[str, Iterable[str]], *, reveals_identity: Iterable[str] = ()
) -> None:
    """Declare an app's actions and the roles allowed them, once, from the app's permissions.py.

    ``reveals_identity`` names the actions that show a full identity number: the accounts app
    keeps the roles holding them off county-wide grants without knowing which app declared them.
    """
    for action, roles in rules.items():
        allowed = frozenset(roles)
        if unknown := allowed - set(Role):
            raise ImproperlyConfigured(f"action {action!r} names unknown roles {sorted(unknown)}")
        if _RULES.get(action, allowed) != allowed:
            raise ImproperlyConfigured(f"action {action!r} is declared twice with different roles")
        _RULES[action] = allowed
    for action in reveals_identity:
        if action not in _RULES:
            raise ImproperlyConfigured(f"action {action!r} reveals identity but is not declared")
        _IDENTITY_ACTIONS.add(action)


declare_actions(
    {
        Action.AUDIT_VIEW: {Role.AUDITOR},
        # Closing a reporting period is the county's call, over the subtree it grants.
        Action.PERIOD_SEAL: {Role.SUPERVISOR},
        # Running the platform's periodic jobs is system administration (三员: 系统管理员).
        Action.SCHEDULER_VIEW: {Role.SYSADMIN},
        Action.SCHEDULER_RUN: {Role.SYSADMIN},
    }
)


def roles_for(action: str) -> frozenset[str]:
    """The roles allowed ``action``; deny by default: an undeclared action is allowed to nobody."""
    return _RULES.get(action, frozenset())


def identity_roles() -> frozenset[str]:
    """Every role holding an action declared as revealing full identity numbers."""
    return frozenset().union(*(_RULES[action] for action in _IDENTITY_ACTIONS))


class GrantRecord(Protocol):
    """What scope reads from a grant: its role, whether it reaches the subtree, and its node."""

    role: str
    include_descendants: bool
    node_id: int
    node: Any  # an OrgNode: id, path, name, kind, depth, code


GrantLoader = Callable[[Any], list[GrantRecord]]
_grant_loader: list[GrantLoader] = []


def set_grant_loader(loader: GrantLoader) -> None:
    """Where a user's active grants come from: the accounts app plugs its query in at start-up, so
    the scope decision in core never imports the app that stores grants."""
    _grant_loader[:] = [loader]


def user_grants(user: Any) -> list[GrantRecord]:
    """The user's active grants with their nodes, fetched once per user object (one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_dangjian_grants", None)
    if cached is None:
        if not _grant_loader:
            raise ImproperlyConfigured("no grant loader: the accounts app is not installed")
        cached = _grant_loader[0](user)
        user._dangjian_grants = cached
    return cached


def admin_role(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return str(getattr(user, "admin_role", "") or "")


def can_anywhere(user: Any, action: str) -> bool:
    """Whether any of the user's roles allows the action somewhere (else the answer is 403)."""
    allowed = roles_for(action)
    if admin_role(user) in allowed:
        return True
    return any(grant.role in allowed for grant in user_grants(user))


# The roles that use the API (ADR 0028): the system administrator issues tokens and wires other
# systems to it; the county centre and the records keepers pull data and import members by it.
API_ROLES = frozenset({Role.SYSADMIN, Role.SUPERVISOR, Role.CLERK})


def uses_api(user: Any) -> bool:
    """Whether the API docs belong in the user's menu (from the cached grants: no query)."""
    if admin_role(user) in API_ROLES:
        return True
    return any(grant.role in API_ROLES for grant in user_grants(user))


def has_platform_scope(user: Any, action: str) -> bool:
    """Admin roles act platform-wide for the actions they hold."""
    return admin_role(user) in roles_for(action)


def describe_roles(user: Any) -> str:
    role = admin_role(user)
    if role:
        return role
    return ";".join(
        f"{g.role}@{g.node.path}{'*' if g.include_descendants else ''}" for g in user_grants(user)
    )
