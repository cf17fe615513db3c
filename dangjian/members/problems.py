"""The registry's problem source: members waiting for an action in the user's scope.

Letters expired or about to expire (ADR 0027), lost contact long enough for the 停止党籍 review
and suspensions long enough for 除名 (R2), probationary members whose year is (nearly) complete.
The dates come from the same rules as the pages that act on them; one query per kind.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.urls import reverse

from dangjian.core.permissions import admin_role
from dangjian.core.problems import (
    ERROR,
    INFO,
    WARNING,
    Problem,
    ProblemKind,
    ProblemSource,
    UrlPattern,
    register_problem_source,
)
from dangjian.core.rules import add_months
from dangjian.members.choices import IN_SERVICE, MemberStatus, TransferStatus
from dangjian.members.models import Member, TransferOut
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import (
    PROBATION_MONTHS,
    letter_expired,
    letter_expired_message,
    lost_contact_review_from,
    lost_contact_review_months,
    probation_ends,
    strike_off_due,
    strike_off_from,
    suspension_review_due,
)
from dangjian.orgs.models import CountySettings

LETTER_EXPIRED, LETTER_EXPIRING = "M-letter-expired", "M-letter-expiring"
LOST_CONTACT, STRIKE_OFF = "R2-lost-contact-review", "R2-strike-off-due"
PROBATION_DUE = "M-probation-due"
KINDS = (
    ProblemKind(LETTER_EXPIRED, "组织关系介绍信已过期", "介绍信过期"),
    ProblemKind(LETTER_EXPIRING, "组织关系介绍信即将过期", "介绍信将过期"),
    ProblemKind(LOST_CONTACT, "失去联系满期，待审查停止党籍", "失联待审查"),
    ProblemKind(STRIKE_OFF, "停止党籍满两年，待作除名处理", "待除名"),
    ProblemKind(PROBATION_DUE, "预备期将满或已满，待讨论转正", "预备期将满"),
)
LETTER_WARN_DAYS = 14
PROBATION_WARN_DAYS = 30
# rules.md R1: the sending organisation manages the member until the letter is received.
SOURCE_LETTER = "《中国共产党党员教育管理工作条例》第二十五条"
SOURCE_R2 = "《中国共产党党员教育管理工作条例》第二十四条"
SOURCE_PROBATION = "《中国共产党章程》第七条"


def _row(member: Member, kind: str, level: str, message: str, source: str, url: str) -> Problem:
    org = member.org
    return Problem(
        org_id=org.pk,
        org_path=org.path,
        org_name=org.name,
        org_code=org.code,
        kind=kind,
        level=level,
        message=f"{member.name}：{message}",
        source=source,
        url=url,
        subject=member.name,
    )


def _letters(user: Any, today: date) -> list[Problem]:
    transfers = reverse("members:transfers")
    letters = (
        TransferOut.objects.visible_to(user, MemberAction.VIEW)
        .filter(
            status__in=[TransferStatus.PENDING, TransferStatus.EXPIRED],
            valid_until__lte=today + timedelta(days=LETTER_WARN_DAYS),
            reissued_as__isnull=True,
        )
        .select_related("member", "member__org")
        .only(
            "id",
            "letter_no",
            "valid_until",
            "member__name",
            "member__org__name",
            "member__org__path",
            "member__org__code",
        )
    )
    rows = []
    for letter in letters:
        if letter_expired(letter.valid_until, today):
            kind, level = LETTER_EXPIRED, ERROR
            message = f"介绍信{letter.letter_no}：{letter_expired_message(letter.valid_until)}"
        else:
            kind, level = LETTER_EXPIRING, INFO
            message = (
                f"介绍信{letter.letter_no}有效期至{letter.valid_until:%Y-%m-%d}，请督促及时办理"
            )
        rows.append(_row(letter.member, kind, level, message, SOURCE_LETTER, transfers))
    return rows


def _lost_and_suspended(user: Any, today: date) -> list[Problem]:
    review = reverse("members:suspension_review")
    months = lost_contact_review_months(CountySettings.current().lost_contact_review_months)
    visible = Member.objects.visible_to(user, MemberAction.VIEW).select_related("org")
    columns = ("id", "name", "org__name", "org__path", "org__code")
    rows = []
    lost = visible.filter(
        status__in=IN_SERVICE,
        lost_contact_since__lte=add_months(today, -months),
    ).only(*columns, "lost_contact_since")
    for member in lost:
        since = member.lost_contact_since
        if since is None or not suspension_review_due(since, today, months=months):
            continue
        message = (
            f"自{since:%Y-%m-%d}失去联系，{lost_contact_review_from(since, months):%Y-%m-%d}"
            "起可审查停止党籍"
        )
        rows.append(_row(member, LOST_CONTACT, WARNING, message, SOURCE_R2, review))
    suspended = visible.filter(status=MemberStatus.SUSPENDED).only(*columns, "suspended_on")
    for member in suspended:
        if not strike_off_due(member.suspended_on, today) or member.suspended_on is None:
            continue
        message = (
            f"{member.suspended_on:%Y-%m-%d}停止党籍，{strike_off_from(member.suspended_on):%Y-%m-%d}"
            "起应作出除名决定"
        )
        rows.append(_row(member, STRIKE_OFF, WARNING, message, SOURCE_R2, review))
    return rows


def _probation(user: Any, today: date) -> list[Problem]:
    horizon = today + timedelta(days=PROBATION_WARN_DAYS)
    members = (
        Member.objects.visible_to(user, MemberAction.VIEW)
        .filter(
            status=MemberStatus.PROBATIONARY,
            # An extension only lengthens the year, so this bound never misses a member.
            admitted_on__lte=add_months(horizon, -PROBATION_MONTHS),
        )
        .select_related("org")
        .only(
            "id",
            "name",
            "admitted_on",
            "probation_extension_months",
            "org__name",
            "org__path",
            "org__code",
        )
    )
    detail = UrlPattern("members:detail")
    rows = []
    for member in members:
        if member.admitted_on is None:
            continue
        ends = probation_ends(
            member.admitted_on, extension_months=member.probation_extension_months or 0
        )
        if ends > horizon:
            continue
        if ends <= today:
            level, message = WARNING, f"预备期已于{ends:%Y-%m-%d}届满，应及时讨论能否转正"
        else:
            level, message = INFO, f"预备期将于{ends:%Y-%m-%d}届满，请准备转正讨论"
        rows.append(
            _row(member, PROBATION_DUE, level, message, SOURCE_PROBATION, detail(member.pk))
        )
    return rows


def member_problems(user: Any, today: date) -> list[Problem]:
    if admin_role(user):
        return []
    return _letters(user, today) + _lost_and_suspended(user, today) + _probation(user, today)


def register_problem_sources() -> None:
    register_problem_source(ProblemSource("members.waiting", KINDS, member_problems, 30))
