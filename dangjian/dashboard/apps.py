from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dangjian.dashboard"
    label = "dashboard"
    verbose_name = "工作台"

    def ready(self) -> None:
        from dangjian.core.navigation import NavEntry, register_nav
        from dangjian.dashboard import panels, permissions

        register_nav(NavEntry("home", "首页", "home", 10))
        register_nav(
            NavEntry(
                "problems",
                "问题清单",
                "dashboard:problems",
                12,
                permissions.WorkbenchAction.PROBLEMS,
            )
        )
        panels.register_panels()
