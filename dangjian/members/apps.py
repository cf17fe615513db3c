from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员管理"

    def ready(self) -> None:
        from dangjian.core.navigation import NavEntry, register_nav
        from dangjian.core.workflow import register
        from dangjian.members import (
            audit_names,  # noqa: F401 — declares the audit names
            notices,  # noqa: F401 — declares the notification kinds
            panels,
            periodic,
            permissions,
            problems,
        )
        from dangjian.members.files import register_purposes
        from dangjian.members.flows import WORKFLOWS

        register_purposes()
        for flow in WORKFLOWS:
            register(flow)
        periodic.register_jobs()
        problems.register_problem_sources()
        panels.register_panels()
        register_nav(
            NavEntry("members", "党员管理", "members:list", 30, permissions.MemberAction.VIEW)
        )
