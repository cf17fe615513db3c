from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = "组织体系"

    def ready(self) -> None:
        from dangjian.core.navigation import NavEntry, register_nav
        from dangjian.orgs import (
            audit_names,  # noqa: F401 — declares the audit names
            panels,
            permissions,
        )

        register_nav(NavEntry("orgs", "组织体系", "orgs:tree", 20, permissions.OrgAction.VIEW))
        panels.register_panels()
