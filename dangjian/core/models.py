"""The audit log, which every other app writes to, and its denial-coalescing side table."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dangjian.core.audit_names import audit_label


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


class AuditEntry(models.Model):
    """One append-only, HMAC-SM3 chained entry. Database triggers refuse UPDATE and DELETE."""

    seq = models.BigIntegerField("序号", primary_key=True)
    created_at = models.DateTimeField("时间（UTC）", db_index=True)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    actor_username = models.CharField("操作人", max_length=150, blank=True, db_index=True)
    actor_roles = models.CharField("角色快照", max_length=1000, blank=True)
    org_path = models.CharField("组织路径", max_length=255, blank=True, db_index=True)
    client_ip = models.CharField("客户端地址", max_length=64, blank=True)
    request_id = models.CharField("请求号", max_length=64, blank=True)
    action = models.CharField("操作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=AuditOutcome.choices)
    prev_mac = models.CharField("前一条校验值", max_length=64)
    mac = models.CharField("校验值", max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def action_label(self) -> str:
        """The Chinese name the writing app declared for this action (ADR 0024)."""
        return audit_label(self.action)


class DenialWindow(models.Model):
    """Counter of identical denials suppressed after the first (ADR 0007). A side table, not
    part of the chain: the first denial and the count are both written as chained entries."""

    key = models.CharField("去重键", max_length=64, unique=True)
    opened_at = models.DateTimeField("窗口开始", null=True, db_index=True)
    last_at = models.DateTimeField("最近一次", null=True)
    first_seq = models.BigIntegerField("首条记录序号", null=True)
    repeats = models.PositiveIntegerField("重复次数", default=0)
    actor_id = models.BigIntegerField("操作人ID", null=True)
    actor_username = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("操作", max_length=100, blank=True)
    changes = models.JSONField("内容", default=dict, blank=True)
    last_client_ip = models.CharField("最近地址", max_length=64, blank=True)
    last_request_id = models.CharField("最近请求号", max_length=64, blank=True)

    class Meta:
        verbose_name = "重复拒绝计数"
        verbose_name_plural = "重复拒绝计数"

    def __str__(self) -> str:
        return f"{self.action} ×{self.repeats}"


class Transition(models.Model):
    """One workflow step taken by one object (``dangjian.core.workflow``): written in the same
    transaction as the state flip and its audit entry, so the history and the state never
    disagree. Generic over models, like the audit log; the actor is kept as id and name (no
    foreign key) so core depends on no domain app and a deleted account keeps its history."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name="对象类型", on_delete=models.PROTECT
    )
    object_id = models.CharField("对象ID", max_length=64)
    action = models.CharField("操作", max_length=50)
    from_state = models.CharField("原状态", max_length=30)
    to_state = models.CharField("新状态", max_length=30)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    actor_name = models.CharField("操作人", max_length=150)
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="transition_object_at")
        ]
        verbose_name = "状态流转"
        verbose_name_plural = "状态流转"

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class SealedPeriod(models.Model):
    """A reporting period closed for one organisation and its subtree (ADR 0016).

    Rows are only ever added: a sealed period is not reopened, a mistake in it is corrected by
    an amendment recorded in an open period (``dangjian.core.sealing``)."""

    org = models.ForeignKey(
        "orgs.OrgNode", verbose_name="组织", on_delete=models.PROTECT, related_name="+"
    )
    period_key = models.CharField("期间", max_length=8)
    sealed_at = models.DateTimeField("封存时间")
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="封存人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sealed_by_name = models.CharField("封存人名称", max_length=150, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["-sealed_at"]
        verbose_name = "已封存期间"
        verbose_name_plural = "已封存期间"
        constraints = [
            models.UniqueConstraint(fields=["org", "period_key"], name="sealed_period_once")
        ]
        indexes = [models.Index(fields=["period_key", "org"], name="sealed_period_lookup")]

    def __str__(self) -> str:
        return f"{self.period_key}@{self.org_id}"


# Stored files live in their own package; importing the model here registers it with the app.
from dangjian.core.files.models import StoredFile  # noqa: E402, F401

# The scheduler's tables live beside its code; imported here so Django sees them as core's.
from dangjian.core.scheduler.models import (  # noqa: E402, F401
    RunOutcome,
    RunTrigger,
    ScheduledJob,
    ScheduledRun,
)
