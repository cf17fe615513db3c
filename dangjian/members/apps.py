from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员管理"

    def ready(self) -> None:
        from dangjian.core.workflow import register
        from dangjian.members.flows import WORKFLOWS

        for flow in WORKFLOWS:
            register(flow)
