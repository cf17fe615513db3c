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
from dangjian.members.models import ImportJob, ImportStatus, TransferIn
from dangjian.notifications.registry import register_kind
from dangjian.notifications.services import notify

IMPORT_FINISHED = register_kind("members.import_finished", "党员导入完成", email_default=False)
IMPORT_FAILED = register_kind("members.import_failed", "党员导入未成功", email_default=True)
TRANSFER_IN_RECEIVED = register_kind(
    "members.transfer_in_received", "收到组织关系转入介绍信", email_default=True
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
