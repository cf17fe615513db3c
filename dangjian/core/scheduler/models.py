"""The scheduler's two tables, part of the ``core`` app (imported by ``core.models``)."""

from __future__ import annotations

from django.db import models


class ScheduledJob(models.Model):
    """One row per periodic job: the slot it last ran for, and its lease.

    The lease is taken by a single conditional UPDATE (free or expired, and still due), so of
    two runners — threads, processes or app nodes — exactly one sees its row count be 1."""

    name = models.CharField("任务", max_length=100, unique=True)
    last_slot = models.DateTimeField("最近一次计划时间", null=True, blank=True)
    holder = models.CharField("持有者", max_length=200, blank=True)
    lease_expires_at = models.DateTimeField("租约到期", null=True, blank=True)
    run_requested_at = models.DateTimeField("请求立即运行时间", null=True, blank=True)
    run_requested_by = models.CharField("请求人", max_length=150, blank=True)

    class Meta:
        app_label = "core"
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"

    def __str__(self) -> str:
        return self.name


class RunOutcome(models.TextChoices):
    RUNNING = "running", "运行中"
    OK = "ok", "成功"
    FAILED = "failed", "失败"
    SKIPPED = "skipped", "跳过"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "按计划"
    MANUAL = "manual", "立即运行"


class ScheduledRun(models.Model):
    """One run of a periodic job, written when it starts and completed when it ends."""

    job = models.CharField("任务", max_length=100)
    slot = models.DateTimeField("计划时间", null=True, blank=True)
    trigger = models.CharField("触发方式", max_length=10, choices=RunTrigger.choices)
    holder = models.CharField("执行者", max_length=200, blank=True)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=RunOutcome.choices)
    counts = models.JSONField("计数", default=dict, blank=True)
    message = models.TextField("说明", blank=True)

    class Meta:
        app_label = "core"
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["job", "-started_at"], name="core_run_job_started"),
            models.Index(fields=["outcome", "-started_at"], name="core_run_outcome_started"),
        ]
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"
