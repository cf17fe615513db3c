from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from dangjian.accounts.rules import PasswordPolicy, password_errors


def current_policy() -> PasswordPolicy:
    """The policy row when 安全管理员 has saved one, else the settings' defaults."""
    from dangjian.accounts.models import SecurityPolicy

    row = SecurityPolicy.objects.filter(pk=1).first()
    if row is not None:
        return PasswordPolicy(
            min_length=row.min_length,
            min_classes=row.min_classes,
            max_age_days=row.max_age_days,
            history=row.history,
        )
    return PasswordPolicy(
        min_length=max(8, settings.PASSWORD_MIN_LENGTH),
        max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
        history=settings.PASSWORD_HISTORY,
    )


class PolicyPasswordValidator:
    """Length, character classes, username and the last N passwords (等保 身份鉴别)."""

    def validate(self, password: str, user: Any = None) -> None:
        policy = current_policy()
        username = user.get_username() if user is not None else ""
        errors = password_errors(password, username=username, policy=policy)
        if user is not None and user.pk and errors == []:
            recent = [
                user.password,
                *user.password_history.values_list("password", flat=True)[: policy.history],
            ]
            if any(h and check_password(password, h) for h in recent[: policy.history]):
                errors.append(f"不能使用最近{policy.history}次用过的密码")
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        policy = current_policy()
        return (
            f"至少{policy.min_length}位，包含大写字母、小写字母、数字、特殊字符中的至少"
            f"{policy.min_classes}类，不含用户名，且不能与最近{policy.history}次密码相同。"
        )
