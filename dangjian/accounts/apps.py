from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与授权"

    def ready(self) -> None:
        from dangjian.accounts import checks, receivers  # noqa: F401
