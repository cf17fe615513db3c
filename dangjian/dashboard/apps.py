from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dangjian.dashboard"
    label = "dashboard"
    verbose_name = "工作台"

    def ready(self) -> None:
        from dangjian.core.navigation import NavEntry, register_nav

        register_nav(NavEntry("home", "首页", "home", 10))
