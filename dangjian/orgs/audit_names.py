"""The audit names the tree writes, with the labels the audit log shows."""

from django.urls import reverse

from dangjian.core.audit_display import (
    declare_object_links,
    declare_permission_labels,
    set_org_namer,
)
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

declare_permission_labels(
    {
        "org.view": "查看组织",
        "org.add": "新建组织",
        "org.change": "修改组织",
        "org.move": "移动组织",
        "org.dissolve": "撤销组织",
        "county.settings": "修改全县设置",
    }
)
declare_object_links(
    {"orgs.orgnode": ("org.view", lambda pk: reverse("orgs:detail", args=[int(pk)]))}
)


def _names(paths: set[str]) -> dict[str, str]:
    from dangjian.orgs.models import OrgNode

    return dict(OrgNode.objects.filter(path__in=paths).values_list("path", "name"))


set_org_namer(_names)
