from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员管理"

    def ready(self) -> None:
        from dangjian.members.files import register_purposes

        register_purposes()

        from dangjian.members import periodic

        periodic.register_jobs()

        # Declares the notification kinds the registry emits.
        from dangjian.members import notices  # noqa: F401
