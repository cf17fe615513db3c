"""The audit names notifications write, with the labels the audit log shows."""

from dangjian.core.audit_names import declare_audit_names

declare_audit_names({"notifications.preferences.change": "修改通知设置"})
