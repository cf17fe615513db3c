from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        from dangjian.core import (
            audit_names,  # noqa: F401 — declares the audit names
            checks,  # noqa: F401  (registers system checks)
            converters,  # noqa: F401  (registers the <pk:…> URL converter)
        )
        from dangjian.core.navigation import NavEntry, register_nav
        from dangjian.core.permissions import Action
        from dangjian.core.scheduler.jobs import register_core_jobs

        register_core_jobs()
        register_nav(NavEntry("audit", "审计日志", "audit:list", 60, Action.AUDIT_VIEW))
        register_nav(NavEntry("scheduler", "定时任务", "scheduler:list", 80, Action.SCHEDULER_VIEW))
        register_nav(NavEntry("api", "接口文档", "api-docs", 100))
