"""Roles, actions and which role may do what: the one place that answers "may this role …".

Scope (where on the tree) is decided by grants in ``dangjian.core.scoping``; this module only says
which roles an action needs. Deny by default: an action missing here is allowed to nobody.
"""

from __future__ import annotations

from typing import Any

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
    ORG_VIEW = "org.view"
    ORG_ADD = "org.add"
    ORG_CHANGE = "org.change"
    ORG_MOVE = "org.move"
    ORG_DISSOLVE = "org.dissolve"
    MEMBER_VIEW = "member.view"
    MEMBER_ADD = "member.add"
    MEMBER_CHANGE = "member.change"
    MEMBER_REVEAL = "member.reveal_id"
    MEMBER_EXPORT = "member.export"
    MEMBER_IMPORT = "member.import"
    GOVERNANCE_CHANGE = "governance.change"
    COUNTY_SETTINGS = "county.settings"
    PERIOD_SEAL = "period.seal"
    AUDIT_VIEW = "audit.view"
    ACCOUNT_MANAGE = "account.manage"
    SECURITY_MANAGE = "security.manage"
    SCHEDULER_VIEW = "scheduler.view"
    SCHEDULER_RUN = "scheduler.run"


_READERS = frozenset(
    {Role.SUPERVISOR, Role.SECRETARY, Role.CLERK, Role.EXECUTIVE, Role.MEMBER, Role.OBSERVER}
)

RULES: dict[str, frozenset[str]] = {
    # 系统管理员 sees the tree (names only matter to it) so it can place grants.
    Action.ORG_VIEW: _READERS | {Role.SYSADMIN},
    Action.ORG_ADD: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK}),
    Action.ORG_CHANGE: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK}),
    Action.ORG_MOVE: frozenset({Role.SUPERVISOR}),
    Action.ORG_DISSOLVE: frozenset({Role.SUPERVISOR}),
    # Personal data: only those who keep the registry, the county, and observers (read-only).
    Action.MEMBER_VIEW: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK, Role.OBSERVER}),
    Action.MEMBER_ADD: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK}),
    Action.MEMBER_CHANGE: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK}),
    Action.MEMBER_REVEAL: frozenset({Role.SECRETARY, Role.CLERK}),
    Action.MEMBER_EXPORT: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK}),
    Action.MEMBER_IMPORT: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK}),
    Action.GOVERNANCE_CHANGE: frozenset({Role.SUPERVISOR, Role.SECRETARY, Role.CLERK}),
    Action.COUNTY_SETTINGS: frozenset({Role.SUPERVISOR}),
    # Closing a reporting period is the county's call, over the subtree it grants.
    Action.PERIOD_SEAL: frozenset({Role.SUPERVISOR}),
    Action.AUDIT_VIEW: frozenset({Role.AUDITOR}),
    Action.ACCOUNT_MANAGE: frozenset({Role.SYSADMIN}),
    Action.SECURITY_MANAGE: frozenset({Role.SECADMIN}),
    # Running the platform's periodic jobs is system administration (三员: 系统管理员).
    Action.SCHEDULER_VIEW: frozenset({Role.SYSADMIN}),
    Action.SCHEDULER_RUN: frozenset({Role.SYSADMIN}),
}


def roles_for(action: str) -> frozenset[str]:
    return RULES.get(action, frozenset())


def user_grants(user: Any) -> list[Any]:
    """The user's active grants with their nodes, fetched once per user object (one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_dangjian_grants", None)
    if cached is None:
        from dangjian.accounts.models import Grant

        cached = list(
            Grant.objects.filter(user_id=user.pk, node__dissolved_on__isnull=True)
            .select_related("node")
            .only(
                "id",
                "role",
                "include_descendants",
                "node__id",
                "node__path",
                "node__name",
                "node__kind",
                "node__depth",
                "node__code",
            )
            .order_by("node__path", "role")
        )
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
