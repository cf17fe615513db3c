from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与授权"

    def ready(self) -> None:
        # authentication registers the OpenAPI schemes of its classes on import.
        from dangjian.accounts import (  # noqa: F401
            authentication,
            checks,
            periodic,
            permissions,
            receivers,
        )

        periodic.register_jobs()

        from dangjian.core.navigation import NavEntry, register_nav

        register_nav(
            NavEntry(
                "accounts", "账号管理", "accounts:user_list", 70, permissions.AccountAction.MANAGE
            )
        )
        register_nav(
            NavEntry(
                "security",
                "安全策略",
                "accounts:security_policy",
                90,
                permissions.AccountAction.SECURITY,
            )
        )
