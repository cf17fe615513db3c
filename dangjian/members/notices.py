"""What the member registry tells people, through the notification outbox.

Kinds are declared here (imported from ``MembersConfig.ready``); the producers call these helpers
inside their own transaction. No name, ID or phone number goes into a notice: an import names its
file and counts, a transfer letter its number and sending organisation.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from dangjian.accounts.models import User
from dangjian.core.actors import Actor, SystemActor
from dangjian.core.permissions import Role
from dangjian.members.models import CommunityReport, ImportJob, ImportStatus, TransferIn
from dangjian.notifications.registry import register_kind
from dangjian.notifications.services import notify
from dangjian.orgs.models import OrgNode

IMPORT_FINISHED = register_kind("members.import_finished", "党员导入完成", email_default=False)
IMPORT_FAILED = register_kind("members.import_failed", "党员导入未成功", email_default=True)
TRANSFER_IN_RECEIVED = register_kind(
    "members.transfer_in_received", "收到组织关系转入介绍信", email_default=True
)
COMMUNITY_REPORTED = register_kind(
    "members.community_reported", "党员报告社区报到，待确认", email_default=False
)
COMMUNITY_REPORT_DECIDED = register_kind(
    "members.community_report_decided", "社区报到的确认结果", email_default=False
)

# A named system actor (the kit's typed SystemActor will replace the plain name).
IMPORT_ACTOR = SystemActor("job:import_members")

_IMPORT_OUTCOMES = {
    ImportStatus.DONE: (IMPORT_FINISHED, "党员导入已完成"),
    ImportStatus.INVALID: (IMPORT_FAILED, "党员导入未完成：重新校验发现错误"),
    ImportStatus.FAILED: (IMPORT_FAILED, "党员导入失败，可重试"),
    ImportStatus.UNREADABLE: (IMPORT_FAILED, "党员导入失败：文件无法解析"),
}


def import_ended(job: ImportJob, *, now: datetime) -> None:
    """The uploader learns how the import ended; one notice per job and outcome, so a re-run
    task or a second sweep over the same ending adds nothing."""
    kind, title = _IMPORT_OUTCOMES[ImportStatus(job.status)]
    if job.status == ImportStatus.DONE:
        body = (
            f"文件“{job.original_name}”：新增 {job.created_count} 名，"
            f"恢复 {job.reactivated_count} 名。"
        )
    else:
        body = f"文件“{job.original_name}”：{job.message}"
    notify(
        job.created_by,
        kind.key,
        f"members.import:{job.pk}:{job.status}",
        title,
        body,
        reverse("members:import_job", args=[job.pk]),
        actor=IMPORT_ACTOR,
        now=now,
    )


def transfer_in_received(incoming: TransferIn, *, actor: Actor, now: datetime) -> None:
    """The branch's 书记 and 党务工作者 (other than whoever recorded the letter) are told a letter
    waits for them."""
    recipients = User.objects.filter(
        is_active=True,
        grants__node=incoming.org,
        grants__role__in=[Role.SECRETARY, Role.CLERK],
    )
    if not isinstance(actor, SystemActor) and actor.pk is not None:
        recipients = recipients.exclude(pk=actor.pk)
    notify(
        list(recipients.distinct()),
        TRANSFER_IN_RECEIVED.key,
        f"members.transfer_in:{incoming.pk}:received",
        "收到组织关系转入介绍信，待接收",
        f"{incoming.org.name}收到来自“{incoming.from_org}”的组织关系介绍信"
        f"（编号 {incoming.letter_no}），请及时办理接收或退回。",
        reverse("members:transfers"),
        actor=actor,
        now=now,
    )


def _branch_keepers(org: OrgNode, actor: Actor) -> list[User]:
    """The branch's 书记 and 党务工作者 on the branch itself, other than ``actor``."""
    recipients = User.objects.filter(
        is_active=True, grants__node=org, grants__role__in=[Role.SECRETARY, Role.CLERK]
    )
    if not isinstance(actor, SystemActor) and actor.pk is not None:
        recipients = recipients.exclude(pk=actor.pk)
    return list(recipients.distinct())


def community_report_submitted(report: CommunityReport, *, actor: Actor, now: datetime) -> None:
    """The branch learns a member reported 双报到 (the notice names no one: the page does)."""
    notify(
        _branch_keepers(report.member.org, actor),
        COMMUNITY_REPORTED.key,
        f"members.community_report:{report.pk}:submitted",
        "有党员报告了社区报到，待确认",
        f"{report.member.org.name}有一份党员社区报到情况等待确认。",
        reverse("members:dual_registration"),
        actor=actor,
        now=now,
    )


def community_report_decided(report: CommunityReport, *, actor: Actor, now: datetime) -> None:
    """The member learns whether the branch confirmed or returned the report."""
    account = report.member.account
    if account is None:
        return
    confirmed = report.status == "confirmed"
    notify(
        account,
        COMMUNITY_REPORT_DECIDED.key,
        f"members.community_report:{report.pk}:{report.status}",
        "社区报到已确认" if confirmed else "社区报到被退回",
        "党支部已确认您报告的社区报到。"
        if confirmed
        else f"党支部退回了您报告的社区报到，原因：{report.reason}",
        reverse("members:mine"),
        actor=actor,
        now=now,
    )
