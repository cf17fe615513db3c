"""Writes to committees, terms and enterprise leadership; reads that assemble rule inputs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, SystemActor
from dangjian.core.scoping import in_subtree, require_permits_on, subtree_q
from dangjian.core.validators import check_date, check_name
from dangjian.governance.choices import CommitteePost, LeaderPosition
from dangjian.governance.models import (
    CommitteeSeat,
    CommitteeTerm,
    EnterpriseLeader,
    UnityException,
)
from dangjian.governance.permissions import GovernanceAction
from dangjian.governance.rules import (
    LEADER_POSTS,
    BranchFacts,
    Finding,
    SeatHolder,
    branch_findings,
    extension_error,
    joined_posts,
    kind_size_findings,
    post_combination_error,
    post_refusal,
    same_person,
    seat_holder_findings,
    term_findings,
    term_state,
    term_years_error,
    upper_record_error,
)
from dangjian.members.choices import IN_SERVICE
from dangjian.members.models import Member
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import has_voting_rights, party_standing_years
from dangjian.members.selectors import full_q, roster_q, voting_q
from dangjian.orgs.choices import PARTY_KINDS, OrgKind
from dangjian.orgs.hierarchy import size_scope
from dangjian.orgs.models import CountySettings, OrgNode
from dangjian.orgs.services import APPROVED_KINDS, current_setup_approval

COMMITTEE_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.PARTY_COMMITTEE)
SINGLE_POSTS = {
    CommitteePost.SECRETARY,
    CommitteePost.ORGANISATION,
    CommitteePost.PUBLICITY,
    CommitteePost.DISCIPLINE,
}


def current_term(org: OrgNode) -> CommitteeTerm | None:
    return CommitteeTerm.objects.filter(org=org, ended_on__isnull=True).first()


@transaction.atomic
def record_election(
    *, actor: Actor, org: OrgNode, elected_on: date, term_years: int | None = None
) -> CommitteeTerm:
    """A new term starts: the previous one ends on the election date."""
    require_permits_on(actor, GovernanceAction.CHANGE, org)
    if org.kind not in PARTY_KINDS or org.kind == OrgKind.PARTY_GROUP:
        raise ValidationError({"org": "只有党委、党总支、党支部设委员会届次"})
    check_date(elected_on, "elected_on", "选举日期")
    years = term_years or (
        5 if org.kind == OrgKind.PARTY_COMMITTEE else CountySettings.current().branch_term_years
    )
    message = term_years_error(years)
    if message:
        raise ValidationError({"term_years": message})
    previous = current_term(org)
    if previous is not None:
        if elected_on <= previous.elected_on:
            raise ValidationError({"elected_on": "新一届选举日期应晚于上一届"})
        previous.ended_on = elected_on
        previous.save(update_fields=["ended_on"])
    term = CommitteeTerm.objects.create(org=org, elected_on=elected_on, term_years=years)
    audit.record(
        "governance.term.elect",
        actor=actor,
        obj=term,
        org_path=org.path,
        changes={"elected_on": elected_on.isoformat(), "term_years": years},
    )
    return term


@transaction.atomic
def extend_term(
    term: CommitteeTerm,
    *,
    actor: Actor,
    until: date,
    approval_ref: str,
    today: date | None = None,
) -> None:
    require_permits_on(actor, GovernanceAction.CHANGE, term.org)
    state = term_state(term.elected_on, term.term_years, None, today or clock.today())
    message = extension_error(state.due_on, until, approval_ref)
    if message:
        raise ValidationError({"extended_until": message})
    term.extended_until, term.extension_approval = until, approval_ref.strip()
    term.save(update_fields=["extended_until", "extension_approval"])
    audit.record(
        "governance.term.extend",
        actor=actor,
        obj=term,
        org_path=term.org.path,
        changes={"extended_until": until.isoformat(), "approval": approval_ref.strip()},
    )


def seat_candidates(term: CommitteeTerm, actor: Actor) -> Any:
    """Members who may sit on the committee: in service in the organisation's subtree and
    readable by the actor (a grant without descendants does not show the branches' members)."""
    members = Member.objects.filter(subtree_q("org__path", term.org.path), status__in=IN_SERVICE)
    return (
        members if isinstance(actor, SystemActor) else members.visible_to(actor, MemberAction.VIEW)
    )


def post_eligible(members: Any, on: date) -> Any:
    """Of ``members``, those the seat form offers: members with the right to be elected on
    ``on`` (正式党员, not under 留党察看, rights not suspended; ``members.selectors.voting_q``)."""
    return members.filter(voting_q(on))


def _post_key(post: str, label: str) -> str:
    # "other" posts differ by their label (青年委员, 妇女委员); the named posts by value.
    return f"{post}:{label}" if post == CommitteePost.OTHER else post


def _post_title(key: str) -> str:
    post, _, label = key.partition(":")
    return label or CommitteePost(post).label


def _check_upper_record(term: CommitteeTerm, upper_ref: str, upper_on: date | None) -> None:
    check_name(upper_ref, "upper_ref", "文号")
    missing = upper_record_error(upper_ref, upper_on)
    if missing:
        raise ValidationError({missing[0]: missing[1]})
    if upper_on is not None:
        check_date(upper_on, "upper_on", "批准或备案日期")
        if upper_on < term.elected_on:
            raise ValidationError(
                {"upper_on": f"批准或备案日期不能早于本届选举日期（{term.elected_on:%Y-%m-%d}）"}
            )


@transaction.atomic
def assign_seat(
    term: CommitteeTerm,
    *,
    actor: Actor,
    post: str,
    member: Member,
    assigned_on: date,
    post_label: str = "",
    upper_ref: str = "",
    upper_on: date | None = None,
) -> CommitteeSeat:
    """Seat a member at the election or during the term (补选, 届中调整). One member may hold
    two posts (兼任); 书记/副书记 record the upper organisation's 批准, the others its 备案."""
    require_permits_on(actor, GovernanceAction.CHANGE, term.org)
    if post not in CommitteePost.values:
        raise ValidationError({"post": "职务无效"})
    if not seat_candidates(term, actor).filter(pk=member.pk).exists():
        raise ValidationError({"member": "委员必须是本组织在册的党员"})
    may_be_elected = has_voting_rights(
        member.status,
        on=assigned_on,
        watch_from=member.watch_from,
        watch_until=member.watch_until,
        rights_suspended_since=member.rights_suspended_since,
    )
    if refusal := post_refusal(member.status, may_be_elected=may_be_elected):
        raise ValidationError({"member": refusal})
    check_name(post_label, "post_label", "职务名称")
    check_date(assigned_on, "assigned_on", "任职日期")
    if assigned_on < term.elected_on:
        raise ValidationError(
            {"assigned_on": f"任职日期不能早于本届选举日期（{term.elected_on:%Y-%m-%d}）"}
        )
    _check_upper_record(term, upper_ref, upper_on)
    label = post_label.strip()[:20]
    held = [_post_key(s.post, s.post_label) for s in term.seats.filter(member=member)]
    clash = post_combination_error(held, _post_key(post, label), _post_title)
    if clash:
        raise ValidationError({"member": f"{member.name}：{clash}"})
    if post in SINGLE_POSTS and term.seats.filter(post=post).exists():
        raise ValidationError({"post": f"本届已有{CommitteePost(post).label}"})
    try:
        with transaction.atomic():
            seat = CommitteeSeat.objects.create(
                term=term,
                post=post,
                member=member,
                assigned_on=assigned_on,
                post_label=label,
                upper_ref=upper_ref.strip(),
                upper_on=upper_on,
            )
    except IntegrityError as exc:  # another clerk filled the post or seat a moment ago
        raise ValidationError(
            {"__all__": "本届委员刚被他人修改，请刷新页面后重新提交（您的修改未保存）"}
        ) from exc
    audit.record(
        "governance.seat.assign",
        actor=actor,
        obj=seat,
        org_path=term.org.path,
        changes={
            "post": post,
            "member": member.pk,
            "name": member.name,
            "upper_ref": seat.upper_ref,
            "upper_on": upper_on.isoformat() if upper_on else "",
        },
    )
    return seat


@transaction.atomic
def record_seat_upper(
    seat: CommitteeSeat, *, actor: Actor, upper_ref: str, upper_on: date | None
) -> CommitteeSeat:
    """The upper organisation's 批准 (书记、副书记) or 备案 (other members) usually arrives
    after the election: record it on the seat already held."""
    term = seat.term
    require_permits_on(actor, GovernanceAction.CHANGE, term.org)
    if not upper_ref.strip():
        raise ValidationError({"upper_ref": "请填写批准或备案文号"})
    _check_upper_record(term, upper_ref, upper_on)
    seat.upper_ref, seat.upper_on = upper_ref.strip(), upper_on
    seat.save(update_fields=["upper_ref", "upper_on"])
    audit.record(
        "governance.seat.upper",
        actor=actor,
        obj=seat,
        org_path=term.org.path,
        changes={
            "post": seat.post,
            "upper_ref": seat.upper_ref,
            "upper_on": upper_on.isoformat() if upper_on else "",
        },
    )
    return seat


@transaction.atomic
def remove_seat(seat: CommitteeSeat, *, actor: Actor, on: date) -> None:
    """免去 from ``on``: not in the future, not before the member took the seat."""
    require_permits_on(actor, GovernanceAction.CHANGE, seat.term.org)
    check_date(on, "on", "免去日期")
    if on < seat.assigned_on:
        raise ValidationError({"on": f"免去日期不能早于任职日期（{seat.assigned_on:%Y-%m-%d}）"})
    audit.record(
        "governance.seat.remove",
        actor=actor,
        obj=seat,
        org_path=seat.term.org.path,
        changes={"post": seat.post, "member": seat.member_id, "on": on.isoformat()},
    )
    seat.delete()


def _member_counts(org: OrgNode, viewer: Any = None) -> dict[str, int]:
    """The subtree's 正式 and in-service members (what the structure checks count, whoever
    looks) and, for a ``viewer``, the current members they may read (``selectors.roster_q``,
    what the 党员名册 button opens), in one query."""
    extra = {"roster": Count("id", filter=roster_q(viewer))} if viewer is not None else {}
    return Member.objects.filter(subtree_q("org__path", org.path)).aggregate(
        full=Count("id", filter=full_q()),
        active=Count("id", filter=Q(status__in=IN_SERVICE)),
        **extra,
    )


def in_service_count(org: OrgNode) -> int:
    """党员人数 for the size of a 党委 or 党总支: members in service in the subtree, 正式 and
    预备 alike (the one place that names the statuses counted: ``IN_SERVICE``)."""
    return Member.objects.filter(subtree_q("org__path", org.path), status__in=IN_SERVICE).count()


def seat_holders(org: OrgNode, seats: list[CommitteeSeat], today: date) -> list[SeatHolder]:
    """The current term's holders as ``rules.seat_holder_findings`` reads them; ``seats``
    come with ``member__org`` selected (no query here)."""
    return [
        SeatHolder(
            name=held["member"].name,
            title=held["title"],
            on_registry=held["member"].status in IN_SERVICE
            and in_subtree(held["member"].org.path, org.path),
            may_be_elected=has_voting_rights(
                held["member"].status,
                on=today,
                watch_from=held["member"].watch_from,
                watch_until=held["member"].watch_until,
                rights_suspended_since=held["member"].rights_suspended_since,
            ),
        )
        for held in _holders(seats)
    ]


def findings_from_facts(
    org: Any,  # an OrgNode, or any row with its ``kind``
    counts: dict[str, int],
    term: CommitteeTerm | None,
    seats: list[CommitteeSeat],
    today: date,
    kind_size: list[Finding],
) -> list[Finding]:
    """One organisation's findings from its facts, however they were loaded (one org at a time
    here, the whole scope at once in ``governance.problems``): the same pure rules for both."""
    secretary = next((s.member for s in seats if s.post == CommitteePost.SECRETARY), None)
    found: list[Finding] = []
    if org.kind == OrgKind.BRANCH:
        found += branch_findings(
            BranchFacts(
                full_members=counts["full"],
                all_members=counts["active"],
                committee_size=len({s.member_id for s in seats}),
                has_secretary=secretary is not None,
                secretary_standing_years=party_standing_years(secretary.full_on, today)
                if secretary
                else None,
                posts=frozenset(s.post for s in seats),
                unapproved_leaders=sum(
                    1 for s in seats if s.post in LEADER_POSTS and not s.upper_ref
                ),
            )
        )
    found += seat_holder_findings(seat_holders(org, seats, today))
    found += kind_size
    state = (
        term_state(term.elected_on, term.term_years, term.extended_until, today) if term else None
    )
    return found + term_findings(state)


def _kind_size_findings(org: OrgNode) -> list[Finding]:
    """党委 and 党总支 against the SOE regulation's sizes, unless an approval is recorded."""
    if org.kind not in APPROVED_KINDS:
        return []
    scope = size_scope(org)
    members = in_service_count(scope)
    return kind_size_findings(org.kind, members, approved=current_setup_approval(org) is not None)


def structure_findings(org: OrgNode, *, today: date) -> list[Finding]:
    """Warnings and errors for a Party organisation (a constant number of queries)."""
    if org.kind not in COMMITTEE_KINDS:
        return []
    term = current_term(org)
    seats = list(term.seats.select_related("member__org")) if term else []
    return findings_from_facts(
        org, _member_counts(org), term, seats, today, _kind_size_findings(org)
    )


@transaction.atomic
def set_leader(
    *,
    actor: Actor,
    org: OrgNode,
    position: str,
    person_name: str,
    since: date,
    member: Member | None = None,
    on_board: bool = False,
    on_management: bool = False,
    on_party_committee: bool = False,
) -> EnterpriseLeader:
    """Record who holds a position now; the previous holder's row is closed, not overwritten."""
    require_permits_on(actor, GovernanceAction.CHANGE, org)
    if org.kind != OrgKind.ENTERPRISE:
        raise ValidationError({"org": "领导人员只能登记在企业"})
    if position not in LeaderPosition.values:
        raise ValidationError({"position": "职务无效"})
    if not person_name.strip():
        raise ValidationError({"person_name": "请填写姓名"})
    check_name(person_name, "person_name", "姓名")
    check_date(since, "since", "任职日期")
    if position != LeaderPosition.DEPUTY_SECRETARY:
        EnterpriseLeader.objects.filter(org=org, position=position, ended_on__isnull=True).update(
            ended_on=since
        )
    leader = EnterpriseLeader.objects.create(
        org=org,
        position=position,
        person_name=person_name.strip(),
        member=member,
        since=since,
        on_board=on_board,
        on_management=on_management,
        on_party_committee=on_party_committee,
    )
    audit.record(
        "governance.leader.set",
        actor=actor,
        obj=leader,
        org_path=org.path,
        changes={"position": position, "person_name": leader.person_name},
    )
    return leader


@transaction.atomic
def record_unity_exception(
    *, actor: Actor, org: OrgNode, reason: str, approval_ref: str, on: date
) -> UnityException:
    require_permits_on(actor, GovernanceAction.CHANGE, org)
    if len(reason.strip()) < 4:
        raise ValidationError({"reason": "请写明董事长与党组织书记分设的原因"})
    check_date(on, "on", "记录日期")
    exception, _ = UnityException.objects.update_or_create(
        org=org,
        defaults={
            "reason": reason.strip(),
            "approval_ref": approval_ref.strip(),
            "recorded_on": on,
        },
    )
    audit.record(
        "governance.unity_exception.record",
        actor=actor,
        obj=exception,
        org_path=org.path,
        changes={"reason": exception.reason},
    )
    return exception


def unity_gaps(enterprises: Any) -> list[dict[str, Any]]:
    """Enterprises whose chairman is not the Party secretary and no reason is recorded."""
    # Subqueries on the caller's scoped queryset: no id list leaves the database.
    scoped = enterprises.order_by().values("pk")
    current = EnterpriseLeader.objects.filter(
        org_id__in=scoped,
        ended_on__isnull=True,
        position__in=[LeaderPosition.CHAIRMAN, LeaderPosition.PARTY_SECRETARY],
    )
    by_org: dict[int, dict[str, EnterpriseLeader]] = {}
    for leader in current:
        by_org.setdefault(leader.org_id, {})[leader.position] = leader
    excused = set(UnityException.objects.filter(org_id__in=scoped).values_list("org_id", flat=True))
    rows = []
    for org in enterprises.filter(pk__in=current.values("org_id")).order_by("path"):
        pair = by_org[org.pk]
        chair, secretary = (
            pair.get(LeaderPosition.CHAIRMAN),
            pair.get(LeaderPosition.PARTY_SECRETARY),
        )
        if chair is None or secretary is None or org.pk in excused:
            continue
        if not same_person(
            chair.member_id, chair.person_name, secretary.member_id, secretary.person_name
        ):
            rows.append({"org": org, "chairman": chair, "secretary": secretary})
    return rows


POST_ORDER = {value: index for index, value in enumerate(CommitteePost.values)}


def _holders(seats: list[CommitteeSeat]) -> list[dict[str, Any]]:
    """One line per member, posts joined in rank order (副书记兼纪检委员)."""
    by_member: dict[int, list[CommitteeSeat]] = {}
    for seat in sorted(seats, key=lambda s: (POST_ORDER[s.post], s.pk)):
        by_member.setdefault(seat.member_id, []).append(seat)
    return [
        {
            "member": held[0].member,
            "title": joined_posts(s.title for s in held),
            "seats": held,
        }
        for held in by_member.values()
    ]


def governance_context(org: OrgNode, *, today: date, viewer: Any = None) -> dict[str, Any]:
    """What the org page shows about committee, structure and leadership (constant queries);
    with a ``viewer``, also the count of the member list the page links to (``roster_count``)."""
    context: dict[str, Any] = {"findings": []}
    if org.kind in COMMITTEE_KINDS:
        term = current_term(org)
        seats = list(term.seats.select_related("member__org")) if term else []
        counts = _member_counts(org, viewer)
        context.update(
            roster_count=counts.get("roster"),
            term=term,
            seats=seats,
            holders=_holders(seats),
            member_count=counts["active"],
            findings=findings_from_facts(org, counts, term, seats, today, _kind_size_findings(org)),
            term_state=term_state(term.elected_on, term.term_years, term.extended_until, today)
            if term
            else None,
        )
    if org.kind == OrgKind.ENTERPRISE:
        context["leaders"] = list(
            EnterpriseLeader.objects.filter(org=org, ended_on__isnull=True).order_by("position")
        )
        context["unity_exception"] = UnityException.objects.filter(org=org).first()
        context["unity_gap"] = bool(unity_gaps(OrgNode.objects.filter(pk=org.pk)))
    return context
