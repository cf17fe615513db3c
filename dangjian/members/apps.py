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
        from dangjian.members.marks import register as register_marks
        from dangjian.orgs.apps import ORG_GROUP

        register_purposes()
        register_marks()
        for flow in WORKFLOWS:
            register(flow)
        periodic.register_jobs()
        problems.register_problem_sources()
        panels.register_panels()
        register_nav(
            NavEntry(
                "members",
                "党员管理",
                "members:list",
                30,
                permissions.MemberAction.VIEW,
                group=ORG_GROUP,
            )
        )
        # A 党员 account's own record page: the role shows the entry (read from the grants the
        # menu has loaded, no query per page); the link to the record decides which record.
        register_nav(
            NavEntry(
                "self",
                "我的党员信息",
                "members:mine",
                35,
                permissions.MemberAction.SELF,
                group=ORG_GROUP,
            )
        )
