from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "dangjian.governance"
    label = "governance"
    verbose_name = "班子与治理"

    def ready(self) -> None:
        from dangjian.core.navigation import NavEntry, NavGroup, register_nav, register_nav_group
        from dangjian.governance import (
            audit_names,  # noqa: F401 — declares the audit names
            panels,
            permissions,
            problems,
        )

        # Committees are business data: admin roles see the tree's names, not its governance.
        register_nav_group(NavGroup("governance", "班子与治理", 30))
        register_nav(
            NavEntry(
                "governance",
                "班子建设",
                "governance:unity",
                40,
                permissions.GovernanceAction.VIEW,
                group="governance",
            )
        )
        panels.register_panels()
        from dangjian.governance.marks import register as register_marks

        register_marks()
        problems.register_problem_sources()
