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
        from dangjian.core.navigation import (
            API_GROUP,
            SYSTEM_GROUP,
            NavEntry,
            NavGroup,
            register_nav,
            register_nav_group,
        )
        from dangjian.core.permissions import Action, uses_api
        from dangjian.core.scheduler.jobs import register_core_jobs

        register_core_jobs()
        register_nav(
            NavEntry("audit", "审计日志", "audit:list", 60, Action.AUDIT_VIEW, group=SYSTEM_GROUP)
        )
        register_nav(
            NavEntry(
                "scheduler",
                "定时任务",
                "scheduler:list",
                80,
                Action.SCHEDULER_VIEW,
                group=SYSTEM_GROUP,
            )
        )
        register_nav_group(NavGroup(SYSTEM_GROUP, "系统管理", 90))
        register_nav_group(NavGroup(API_GROUP, "接口文档", 100))
        # Only for the roles that use the API (ADR 0028); the docs page links back to the platform.
        register_nav(NavEntry("api", "接口文档", "api-docs", 100, show=uses_api, group=API_GROUP))
