from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "dangjian.governance"
    label = "governance"
    verbose_name = "班子与治理"

    def ready(self) -> None:
        from dangjian.core.navigation import NavEntry, register_nav
        from dangjian.governance import (
            audit_names,  # noqa: F401 — declares the audit names
            panels,
            permissions,
            problems,
        )

        # Committees are business data: admin roles see the tree's names, not its governance.
        register_nav(
            NavEntry(
                "governance", "班子建设", "governance:unity", 40, permissions.GovernanceAction.VIEW
            )
        )
        panels.register_panels()
        problems.register_problem_sources()
