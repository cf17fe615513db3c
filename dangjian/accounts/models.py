from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from dangjian.core.permissions import ADMIN_ROLES, BUSINESS_ROLES, Role


class User(AbstractUser):
    """A personal account. 三权分立 admin roles live on the account, business roles in grants."""

    full_name = models.CharField("姓名", max_length=60, blank=True)
    admin_role = models.CharField(
        "管理角色",
        max_length=20,
        blank=True,
        choices=[(r.value, r.label) for r in Role if r in ADMIN_ROLES],
    )
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    totp_required = models.BooleanField("要求动态口令", default=False)
    valid_until = models.DateField("账号有效期至", null=True, blank=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def needs_second_factor(self) -> bool:
        return bool(self.admin_role) or self.totp_required


class Grant(models.Model):
    """A business role on an org node, optionally with its whole subtree."""

    user = models.ForeignKey(
        User, verbose_name="账号", on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(
        "角色", max_length=20, choices=[(r.value, r.label) for r in Role if r in BUSINESS_ROLES]
    )
    node = models.ForeignKey(
        "orgs.OrgNode", verbose_name="组织", on_delete=models.PROTECT, related_name="grants"
    )
    include_descendants = models.BooleanField("含下级组织", default=True)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "授权"
        verbose_name_plural = "授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "node"], name="grant_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=sorted(r.value for r in BUSINESS_ROLES)),
                name="grant_business_role_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.node}"


class PasswordHistory(models.Model):
    """Hashes of earlier passwords, so the policy can refuse reuse of the last N."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.created_at:%Y-%m-%d}"


class SecurityPolicy(models.Model):
    """The live password policy; one row, edited by 安全管理员, seeded from settings."""

    min_length = models.PositiveSmallIntegerField("密码最小长度", default=12)
    min_classes = models.PositiveSmallIntegerField("至少包含的字符类别数", default=3)
    max_age_days = models.PositiveSmallIntegerField("密码最长有效期（天，0为不限）", default=90)
    history = models.PositiveSmallIntegerField("不得与最近几次密码相同", default=5)
    inactive_days = models.PositiveSmallIntegerField("连续未登录多少天后停用账号", default=90)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "安全策略"
        verbose_name_plural = "安全策略"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="security_policy_singleton"),
            models.CheckConstraint(
                condition=models.Q(min_length__gte=8), name="policy_min_length_8"
            ),
            models.CheckConstraint(
                condition=models.Q(min_classes__gte=3, min_classes__lte=4),
                name="policy_classes_3_4",
            ),
        ]

    def __str__(self) -> str:
        return "安全策略"


class ApiToken(models.Model):
    """A personal API token. Only its SM3 digest is stored; the token is shown once at creation.

    Revoked and expired tokens stay as rows so the owner and the audit trail can see what existed.
    """

    user = models.ForeignKey(
        User, verbose_name="账号", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("名称", max_length=60)
    # The first characters of the token, shown in lists so a holder can tell tokens apart.
    prefix = models.CharField("令牌前缀", max_length=16)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间")
    created_by = models.ForeignKey(
        User,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"
