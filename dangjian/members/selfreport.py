"""双报到 as the member reports it: the member's own account files the community and the date,
the branch confirms (the registration is then written exactly as the clerk's own entry,
``movements.register_with_community``) or returns it with a reason. Each write is one
transaction with its audit entry and the notices it sends."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dangjian.accounts.models import User
from dangjian.accounts.permissions import AccountAction
from dangjian.accounts.services import require_admin_authority
from dangjian.core import audit
from dangjian.core.actors import Actor, SystemActor, require_actor
from dangjian.core.scoping import require_permits_on
from dangjian.core.validators import check_date, check_name
from dangjian.members import notices
from dangjian.members.choices import IN_SERVICE, ReportStatus
from dangjian.members.models import CommunityReport, Member
from dangjian.members.movements import register_with_community
from dangjian.members.permissions import MemberAction

REASON_MAX = 200


def own_member(user: Any) -> Member | None:
    """The member record linked to ``user``'s account, if any (one query)."""
    if not getattr(user, "is_authenticated", False) or isinstance(user, SystemActor):
        return None
    return Member.objects.select_related("org", "party_group").filter(account_id=user.pk).first()


@transaction.atomic
def link_account(member: Member, *, actor: Actor, account: Any) -> Member:
    """Link a member record to the member's own account (系统管理员, who keeps the accounts):
    the account then opens 我的党员信息 for that record and no other."""
    require_admin_authority(actor, AccountAction.MANAGE)
    if account.admin_role:
        raise ValidationError({"account": "三员管理账号不能关联党员信息"})
    taken = Member.objects.filter(account_id=account.pk).exclude(pk=member.pk).first()
    if taken is not None:
        raise ValidationError({"account": "该账号已关联另一名党员"})
    locked = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    locked.account_id = account.pk
    locked.save(update_fields=["account", "updated_at"])
    audit.record(
        "members.member.link_account",
        actor=actor,
        obj=locked,
        org_path=locked.org.path,
        changes={"account": account.username},
    )
    return locked


def report_refusal(member: Member) -> str:
    """Why ``member`` cannot file a new report now ("" when they can)."""
    if member.status not in IN_SERVICE:
        return f"{member.get_status_display()}不能报告社区报到"
    if CommunityReport.objects.filter(member=member, status=ReportStatus.PENDING).exists():
        return "已有一份报到情况等待党支部确认，确认或退回后才能再次报告"
    return ""


@transaction.atomic
def submit_report(
    *, actor: Actor, community: str, reported_on: date | None, today: date, now: datetime
) -> CommunityReport:
    """The signed-in member reports where and when they registered with a community."""
    require_actor(actor)
    member = own_member(actor)
    if member is None or not isinstance(actor, User):
        raise PermissionDenied("您的账号没有关联党员信息")
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    errors: dict[str, str] = {}
    refusal = report_refusal(member)
    if refusal:
        errors["community"] = refusal
    community = (community or "").strip()
    if not community:
        errors.setdefault("community", "请填写社区名称")
    if reported_on is None:
        errors["reported_on"] = "请填写报到日期"
    if errors:
        raise ValidationError(errors)
    check_name(community, "community", "社区名称")
    check_date(reported_on, "reported_on", "报到日期", today=today)
    assert reported_on is not None
    report = CommunityReport.objects.create(
        member=member,
        community=community,
        reported_on=reported_on,
        submitted_by=actor,
        submitted_at=now,
    )
    audit.record(
        "members.community_report.submit",
        actor=actor,
        obj=report,
        org_path=member.org.path,
        changes={"community": community, "reported_on": reported_on.isoformat()},
    )
    notices.community_report_submitted(report, actor=actor, now=now)
    return report


def _lock_pending(report: CommunityReport, actor: Actor) -> CommunityReport:
    require_permits_on(actor, MemberAction.CHANGE, report.member.org)
    locked = (
        CommunityReport.objects.select_for_update()
        .select_related("member__org", "submitted_by")
        .get(pk=report.pk)
    )
    if locked.status != ReportStatus.PENDING:
        raise ValidationError({"report": f"该报到情况{locked.get_status_display()}，无需再处理"})
    return locked


@transaction.atomic
def confirm_report(
    report: CommunityReport, *, actor: Actor, today: date, now: datetime
) -> CommunityReport:
    """The branch confirms: the community registration is written by the clerk's own service
    (same event, same audit name), then the report is closed and the member told."""
    locked = _lock_pending(report, actor)
    check_date(locked.reported_on, "reported_on", "报到日期", today=today)
    register_with_community(
        locked.member, actor=actor, community=locked.community, registered_on=locked.reported_on
    )
    locked.status = ReportStatus.CONFIRMED
    locked.decided_by = actor if isinstance(actor, User) else None
    locked.decided_at = now
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit.record(
        "members.community_report.confirm",
        actor=actor,
        obj=locked,
        org_path=locked.member.org.path,
        changes={"community": locked.community, "reported_on": locked.reported_on.isoformat()},
    )
    notices.community_report_decided(locked, actor=actor, now=now)
    return locked


@transaction.atomic
def return_report(
    report: CommunityReport, *, actor: Actor, reason: str, now: datetime
) -> CommunityReport:
    """The branch returns the report with a reason the member reads; nothing is registered."""
    locked = _lock_pending(report, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回原因"})
    check_name(reason, "reason", "退回原因")
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"退回原因不超过{REASON_MAX}字"})
    locked.status = ReportStatus.RETURNED
    locked.reason = reason
    locked.decided_by = actor if isinstance(actor, User) else None
    locked.decided_at = now
    locked.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    audit.record(
        "members.community_report.return",
        actor=actor,
        obj=locked,
        org_path=locked.member.org.path,
        changes={"reason": reason},
    )
    notices.community_report_decided(locked, actor=actor, now=now)
    return locked
