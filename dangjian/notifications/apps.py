from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dangjian.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from dangjian.notifications import periodic

        periodic.register_jobs()
