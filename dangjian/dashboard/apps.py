from django.apps import AppConfig

# The left navigation's 工作台 group (ADR 0028).
WORKBENCH_GROUP = "workbench"


class DashboardConfig(AppConfig):
    name = "dangjian.dashboard"
    label = "dashboard"
    verbose_name = "工作台"

    def ready(self) -> None:
        from dangjian.core.navigation import NavEntry, NavGroup, register_nav, register_nav_group
        from dangjian.dashboard import panels, permissions

        register_nav_group(NavGroup(WORKBENCH_GROUP, "工作台", 10))
        register_nav(NavEntry("home", "首页", "home", 10, group=WORKBENCH_GROUP))
        register_nav(
            NavEntry(
                "problems",
                "问题清单",
                "dashboard:problems",
                12,
                permissions.WorkbenchAction.PROBLEMS,
                group=WORKBENCH_GROUP,
            )
        )
        panels.register_panels()
