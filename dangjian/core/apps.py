from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self) -> None:
        from dangjian.core import (
            checks,  # noqa: F401  (registers system checks)
            converters,  # noqa: F401  (registers the <pk:…> URL converter)
        )
        from dangjian.core.scheduler.jobs import register_core_jobs

        register_core_jobs()
