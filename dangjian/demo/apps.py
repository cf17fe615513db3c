from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "dangjian.demo"
    label = "demo"
    verbose_name = "演示数据"

    def ready(self) -> None:
        from dangjian.demo import audit_names  # noqa: F401 — declares the audit names
