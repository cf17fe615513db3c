"""Account and security administration (三员: 系统管理员, 安全管理员)."""

from __future__ import annotations

from dangjian.core.permissions import Role, declare_actions


class AccountAction:
    MANAGE = "account.manage"
    SECURITY = "security.manage"


declare_actions({AccountAction.MANAGE: {Role.SYSADMIN}, AccountAction.SECURITY: {Role.SECADMIN}})
