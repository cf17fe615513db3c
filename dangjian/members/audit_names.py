"""The audit names the member registry writes outside its workflows (a workflow declares its
steps' names itself), with the labels the audit log shows."""

from django.urls import reverse

from dangjian.core.audit_display import declare_object_links, declare_permission_labels
from dangjian.core.audit_names import declare_audit_names

declare_audit_names(
    {
        "members.member.create": "登记党员",
        "members.member.reactivate": "重新登记党员",
        "members.member.update": "修改党员信息",
        "members.member.registered_elsewhere": "登记时发现已在他处登记",
        "members.member.move": "平台内转移",
        "members.member.extend_probation": "延长预备期",
        # Management states beside the standing (ADR 0026); the names predate the split.
        "members.member.mobile_out": "登记外出流动",
        "members.member.mobile_back": "登记流动返回",
        "members.member.lost_contact": "标记为失联",
        "members.member.contact_restored": "恢复联系",
        "members.member.watch": "登记留党察看",
        "members.member.rights_suspended": "中止党员权利",
        "members.member.rights_restored": "恢复党员权利",
        "members.member.community": "登记社区报到",
        "members.member.service": "登记志愿服务",
        "members.member.link_account": "关联党员本人账号",
        "members.community_report.submit": "党员报告社区报到",
        "members.community_report.confirm": "确认党员社区报到",
        "members.community_report.return": "退回党员社区报到",
        "members.member.import": "批量导入党员",
        "members.member.reveal_id": "查看完整身份证号码",
        "members.member.export": "导出党员名册",
        "members.transfer_out.issue": "开具组织关系介绍信",
        "members.transfer_out.reissue": "重新开具组织关系介绍信",
        "members.transfer_in.receive": "登记转入",
        "members.import.uploads_purged": "清除过期导入文件",
    }
)

declare_permission_labels(
    {
        "member.view": "查看党员",
        "member.add": "登记党员",
        "member.change": "修改党员信息",
        "member.reveal_id": "查看完整身份证号码",
        "member.export": "导出党员名册",
        "member.import": "导入党员",
        "member.self": "查看本人党员信息",
    }
)
declare_object_links(
    {
        "members.member": ("member.view", lambda pk: reverse("members:detail", args=[int(pk)])),
        "members.transferout": (
            "member.view",
            lambda pk: reverse("members:transfer_out_print", args=[int(pk)]),
        ),
    }
)
