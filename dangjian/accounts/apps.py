from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与授权"

    def ready(self) -> None:
        # authentication registers the OpenAPI schemes of its classes on import.
        from dangjian.accounts import (  # noqa: F401 — checks and receivers register on import
            audit_names,
            authentication,
            checks,
            periodic,
            permissions,
            receivers,
        )
        from dangjian.accounts.grants import active_grants
        from dangjian.core.navigation import NavEntry, register_nav
        from dangjian.core.permissions import set_grant_loader

        set_grant_loader(active_grants)
        periodic.register_jobs()
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
