"""The audit names the tree writes, with the labels the audit log shows."""

from dangjian.core.audit_names import declare_audit_names

declare_audit_names(
    {
        "orgs.org.create": "新建组织",
        "orgs.org.update": "修改组织信息",
        "orgs.org.move": "移动组织",
        "orgs.org.dissolve": "撤销组织",
        "orgs.county_settings.update": "修改全县设置",
        "orgs.setup_approval.record": "登记党组织设立批准",
    }
)
