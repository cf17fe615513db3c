from django.apps import AppConfig

# The left navigation's 组织与党员 group; members files its entries here too (ADR 0028).
ORG_GROUP = "organisation"


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = "组织体系"

    def ready(self) -> None:
        from dangjian.core.navigation import NavEntry, NavGroup, register_nav, register_nav_group
        from dangjian.orgs import (
            audit_names,  # noqa: F401 — declares the audit names
            panels,
            permissions,
        )

        register_nav_group(NavGroup(ORG_GROUP, "组织与党员", 20))
        register_nav(
            NavEntry(
                "orgs", "组织体系", "orgs:tree", 20, permissions.OrgAction.VIEW, group=ORG_GROUP
            )
        )
        panels.register_panels()
