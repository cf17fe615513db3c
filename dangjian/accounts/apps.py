from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与授权"

    def ready(self) -> None:
        # authentication registers the OpenAPI schemes of its classes on import.
        from dangjian.accounts import authentication, checks, periodic, receivers  # noqa: F401

        periodic.register_jobs()
