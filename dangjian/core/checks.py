"""System checks that keep a deployment honest about its own security posture."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security, deploy=False)
def no_active_superuser(app_configs: Any, **kwargs: Any) -> list[Error]:
    """三权分立: outside development no account may bypass the role model."""
    if settings.ENVIRONMENT == "development":
        return []
    from django.contrib.auth import get_user_model

    try:
        names = list(
            get_user_model()
            .objects.filter(is_superuser=True, is_active=True)
            .values_list("username", flat=True)[:5]
        )
    except DatabaseError:
        return []  # tables not created yet (before the first migrate)
    if not names:
        return []
    return [
        Error(
            f"存在启用状态的超级用户：{', '.join(names)}。生产环境不允许超级用户，请停用后再启动。",
            hint="由系统管理员、安全管理员、审计管理员分别管理；请停用该账号或取消其超级用户标记。",
            id="dangjian.E001",
        )
    ]
