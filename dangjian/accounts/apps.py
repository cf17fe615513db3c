from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与授权"

    def ready(self) -> None:
        # Registered on import: audit names, the OpenAPI schemes of the authentication classes,
        # system checks, signal receivers.
        from dangjian.accounts import (  # noqa: F401
            audit_names,
            authentication,
            checks,
            periodic,
            permissions,
            receivers,
        )
        from dangjian.accounts.grants import active_grants
        from dangjian.core.navigation import SYSTEM_GROUP, NavEntry, register_nav
        from dangjian.core.permissions import set_grant_loader

        set_grant_loader(active_grants)
        periodic.register_jobs()
        register_nav(
            NavEntry(
                "accounts",
                "账号管理",
                "accounts:user_list",
                70,
                permissions.AccountAction.MANAGE,
                group=SYSTEM_GROUP,
            )
        )
        register_nav(
            NavEntry(
                "security",
                "安全策略",
                "accounts:security_policy",
                90,
                permissions.AccountAction.SECURITY,
                group=SYSTEM_GROUP,
            )
        )
