"""The audit names accounts and sign-in write, with the labels the audit log shows."""

from dangjian.core.audit_display import declare_permission_labels
from dangjian.core.audit_names import declare_audit_names

declare_audit_names(
    {
        "auth.login": "登录",
        "auth.logout": "退出登录",
        "auth.login_failed": "登录失败",
        "auth.lockout": "账号被锁定",
        "auth.otp_failed": "动态口令错误",
        "accounts.user.create": "创建账号",
        "accounts.user.disable": "停用账号",
        "accounts.user.enable": "启用账号",
        "accounts.password.reset": "重置密码",
        "accounts.user.unlock": "解锁账号",
        "accounts.grant.create": "授予角色",
        "accounts.grant.revoke": "撤销授权",
        "accounts.policy.update": "修改安全策略",
        "accounts.password.change": "修改密码",
        "accounts.totp.enrol": "绑定动态口令",
        "accounts.token.create": "创建接口令牌",
        "accounts.token.revoke": "吊销接口令牌",
    }
)

declare_permission_labels({"account.manage": "管理账号", "security.manage": "管理安全策略"})
