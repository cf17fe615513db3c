"""The audit names the demo loader writes, with the labels the audit log shows."""

from dangjian.core.audit_names import declare_audit_names

declare_audit_names({"demo.scale.generate": "生成演示数据"})
