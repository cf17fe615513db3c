from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员管理"

    def ready(self) -> None:
        from dangjian.core.workflow import register
        from dangjian.members.files import register_purposes
        from dangjian.members.flows import WORKFLOWS

        register_purposes()
        for flow in WORKFLOWS:
            register(flow)

        from dangjian.members import periodic

        periodic.register_jobs()

        # Declares the notification kinds the registry emits.
        from dangjian.members import notices  # noqa: F401
