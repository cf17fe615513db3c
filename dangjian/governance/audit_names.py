"""The audit names committee and leadership records write, with the labels the audit log shows."""

from dangjian.core.audit_display import declare_permission_labels
from dangjian.core.audit_names import declare_audit_names

declare_audit_names(
    {
        "governance.term.elect": "登记换届选举",
        "governance.term.extend": "延期换届",
        "governance.seat.assign": "登记委员（补选、届中调整）",
        "governance.seat.upper": "登记委员上级批准或备案",
        "governance.seat.remove": "委员届中调整（离任）",
        "governance.leader.set": "登记企业领导人员",
        "governance.unity_exception.record": "登记书记、董事长分设情况",
    }
)

declare_permission_labels(
    {"governance.view": "查看班子和领导人员", "governance.change": "维护班子和领导人员"}
)
