from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员管理"

    def ready(self) -> None:
        # Declares the notification kinds the registry emits.
        from dangjian.members import notices  # noqa: F401
