from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security)
def admin_roles_exclusive(app_configs: Any, **kwargs: Any) -> list[Error]:
    """三权分立: an account holding an admin role must hold no business grant."""
    from dangjian.accounts.models import Grant

    try:
        names = list(
            Grant.objects.exclude(user__admin_role="")
            .values_list("user__username", flat=True)
            .distinct()[:5]
        )
    except DatabaseError:
        return []
    return (
        [Error(f"管理角色账号同时持有业务授权：{', '.join(names)}", id="dangjian.E002")]
        if names
        else []
    )
