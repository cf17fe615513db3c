from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dangjian.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from dangjian.notifications import (
            audit_names,  # noqa: F401 — declares the audit names
            periodic,
        )

        periodic.register_jobs()
