from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from dangjian.core.permissions import Action, admin_role, can_anywhere


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The capability menu, showing only what the user's roles can use somewhere."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("home", "首页", reverse("home"))]
    if can_anywhere(user, Action.ORG_VIEW):
        items.append(("orgs", "组织体系", reverse("orgs:tree")))
    if can_anywhere(user, Action.MEMBER_VIEW):
        items.append(("members", "党员管理", reverse("members:list")))
    if can_anywhere(user, Action.ORG_VIEW) and not admin_role(user):
        items.append(("governance", "班子建设", reverse("governance:unity")))
    if can_anywhere(user, Action.AUDIT_VIEW):
        items.append(("audit", "审计日志", reverse("audit:list")))
    if can_anywhere(user, Action.ACCOUNT_MANAGE):
        items.append(("accounts", "账号管理", reverse("accounts:user_list")))
    if can_anywhere(user, Action.SCHEDULER_VIEW):
        items.append(("scheduler", "定时任务", reverse("scheduler:list")))
    if can_anywhere(user, Action.SECURITY_MANAGE):
        items.append(("security", "安全策略", reverse("accounts:security_policy")))
    items.append(("api", "接口文档", reverse("api-docs")))
    return {"nav_items": items, "nav_admin_role": admin_role(user)}
