"""Governance's problem source: the structure checks of every Party organisation in a scope and
the enterprises whose 书记、董事长 are split without a recorded reason.

The facts are loaded for the whole scope at once, one query per kind of fact (organisations,
current terms, seats, member counts, setup approvals, the siblings that decide whose members a
党委 counts), and go through the same ``findings_from_facts`` as the org page's one-organisation
``structure_findings``; a test holds the two together on the demo county and on a larger tree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q
from django.urls import reverse

from dangjian.core.permissions import admin_role
from dangjian.core.problems import (
    Problem,
    ProblemKind,
    ProblemSource,
    UrlPattern,
    register_problem_source,
)
from dangjian.core.scoping import permits, subtree_q
from dangjian.governance.models import CommitteeSeat, CommitteeTerm
from dangjian.governance.permissions import GovernanceAction
from dangjian.governance.rules import WARNING, Finding, kind_size_findings
from dangjian.governance.services import COMMITTEE_KINDS, findings_from_facts, unity_gaps
from dangjian.members.choices import IN_SERVICE
from dangjian.members.models import Member
from dangjian.members.selectors import full_q
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode, SetupApproval
from dangjian.orgs.permissions import OrgAction
from dangjian.orgs.rules import PARTY_RANK, TreeRef, is_entity_party_org
from dangjian.orgs.services import APPROVED_KINDS

# The finding codes of ``governance.rules`` as problem kinds, in the order a reader meets them.
STRUCTURE_KINDS = (
    ProblemKind("O5-term-overdue", "任期届满未换届", "换届逾期"),
    ProblemKind("O5-term-due", "任期即将届满", "即将换届"),
    ProblemKind("O5-term-missing", "未登记委员会届次", "未登记届次"),
    ProblemKind("O4-secretary", "未登记党支部书记", "无书记"),
    ProblemKind("O4-committee-required", "应设支部委员会而未设", "应设支委会"),
    ProblemKind("O4-discipline", "支部委员会未设纪检委员", "无纪检委员"),
    ProblemKind("O4-committee-size", "支部委员会人数超出3至5人", "支委人数"),
    ProblemKind("O4-committee-max", "支部委员会超过7人", "支委过多"),
    ProblemKind("O4-small-branch", "不足7名正式党员却设其他委员", "小支部设委员"),
    ProblemKind("O2-joint-branch", "正式党员不足3人，应成立联合党支部", "应建联合支部"),
    ProblemKind("O1-branch-size", "党支部超过50人", "支部过大"),
    ProblemKind("O6-standing", "书记党龄不足1年", "书记党龄"),
    ProblemKind("O5-approval", "书记、副书记未登记上级批准", "未报批准"),
    ProblemKind("O10-committee-approval", "党委不足100人且未登记设立批准", "党委未批准"),
    ProblemKind("O10-general-branch-large", "党总支已达100人，应设党委", "总支过大"),
    ProblemKind("O10-general-branch-approval", "党总支不足50人且未登记设立批准", "总支未批准"),
)
UNITY_GAP = "unity-gap"
UNITY_KINDS = (ProblemKind(UNITY_GAP, "书记、董事长分设且未登记原因", "分设未说明"),)
# rules.md G3: 书记、董事长一般由一人担任 (a soft rule: a split needs its reason on record).
SOURCE_UNITY = "《中国共产党国有企业基层组织工作条例（试行）》第十四条"
# Where each finding is fixed: a new term on the election page, everything else on the org page.
ELECTION_CODES = frozenset({"O5-term-overdue", "O5-term-due", "O5-term-missing"})
SETUP_CODES = frozenset(
    {"O10-committee-approval", "O10-general-branch-approval", "O10-general-branch-large"}
)
# Member counts are read under at most this many subtree roots; beyond it, under their common
# ancestor (a superset: every count is still summed per organisation below).
MAX_COUNT_ROOTS = 40


@dataclass(frozen=True)
class Node:
    """What the checks and the list read about an organisation."""

    pk: int
    path: str
    kind: str
    name: str
    code: str
    parent_id: int | None
    dissolved_on: date | None
    parent_kind: str | None
    parent_path: str | None


def _ref(node: Any) -> TreeRef:
    return TreeRef(node.pk, node.kind, node.parent_id, node.dissolved_on is not None)


def _tops(paths: set[str]) -> list[str]:
    """The paths none of whose ancestors is in ``paths``."""
    tops: list[str] = []
    for path in sorted(paths):
        if not tops or not path.startswith(tops[-1]):
            tops.append(path)
    if len(tops) <= MAX_COUNT_ROOTS:
        return tops
    common = tops[0]
    for path in tops[1:]:
        while not path.startswith(common):
            common = common[: len(common) - OrgNode.steplen]
    return [common]


def _counts_by_prefix(roots: list[str]) -> dict[str, dict[str, int]]:
    """Members (all, full, in service) summed for every node path above them: one query."""
    if not roots:
        return {}
    where = Q()
    for root in roots:
        where |= subtree_q("org__path", root)
    rows = (
        Member.objects.filter(where)
        .order_by()
        .values("org__path")
        .annotate(
            full=Count("id", filter=full_q()), active=Count("id", filter=Q(status__in=IN_SERVICE))
        )
    )
    step = OrgNode.steplen
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"full": 0, "active": 0})
    for row in rows:
        path = row["org__path"]
        for end in range(step, len(path) + 1, step):
            bucket = totals[path[:end]]
            bucket["full"] += row["full"]
            bucket["active"] += row["active"]
    return totals


def scope_structure_findings(orgs: Any, *, today: date) -> dict[int, list[Finding]]:
    """Findings for every Party organisation with a committee in ``orgs`` (a queryset), by pk."""
    return {node.pk: found for node, found in _scope_findings(orgs, today)}


def _scope_findings(orgs: Any, today: date) -> list[tuple[Node, list[Finding]]]:
    """Six queries whatever the number of organisations: the organisations, their siblings,
    current terms, seats, setup approvals and member counts."""
    committees = orgs.filter(kind__in=COMMITTEE_KINDS)
    # Plain rows, not model instances: a county holds tens of thousands of organisations.
    nodes = [
        Node(**row)
        for row in committees.values(
            "pk",
            "path",
            "kind",
            "name",
            "code",
            "parent_id",
            "dissolved_on",
            parent_kind=F("parent__kind"),
            parent_path=F("parent__path"),
        )
    ]
    if not nodes:
        return []
    sized = [n for n in nodes if n.kind in APPROVED_KINDS]
    sized_q = committees.filter(kind__in=APPROVED_KINDS).order_by()
    siblings: dict[int, list[TreeRef]] = defaultdict(list)
    if sized:
        for pk, kind, parent_id, dissolved_on in OrgNode.objects.filter(
            parent_id__in=sized_q.values("parent_id"), kind__in=list(PARTY_RANK)
        ).values_list("pk", "kind", "parent_id", "dissolved_on"):
            siblings[parent_id].append(TreeRef(pk, kind, parent_id, dissolved_on is not None))
    size_path: dict[int, str] = {}
    for node in sized:
        size_path[node.pk] = node.path  # ``orgs.hierarchy.size_scope``, from the loaded rows
        if node.parent_id is None or node.parent_kind is None or node.parent_path is None:
            continue
        others = [s for s in siblings.get(node.parent_id, []) if s.pk != node.pk]
        if is_entity_party_org(_ref(node), others, node.parent_kind):
            size_path[node.pk] = node.parent_path
    current = CommitteeTerm.objects.filter(
        org_id__in=committees.order_by().values("pk"), ended_on__isnull=True
    )
    terms = {
        t.org_id: t
        for t in current.only("id", "org_id", "elected_on", "term_years", "extended_until")
    }
    seats: dict[int, list[CommitteeSeat]] = defaultdict(list)
    if terms:
        for seat in (
            CommitteeSeat.objects.filter(term_id__in=current.values("pk"))
            .select_related("member__org")
            .only(
                "id",
                "term_id",
                "post",
                "post_label",
                "member_id",
                "upper_ref",
                # What the seat-holder check reads (governance.services.seat_holders).
                "member__name",
                "member__full_on",
                "member__status",
                "member__watch_from",
                "member__watch_until",
                "member__rights_suspended_since",
                "member__org__path",
            )
        ):
            seats[seat.term_id].append(seat)
    approved = (
        set(
            SetupApproval.objects.filter(org_id__in=sized_q.values("pk")).values_list(
                "org_id", "kind"
            )
        )
        if sized
        else set()
    )
    counts = _counts_by_prefix(_tops({n.path for n in nodes} | set(size_path.values())))
    empty = {"full": 0, "active": 0}
    found: list[tuple[Node, list[Finding]]] = []
    for node in nodes:
        term = terms.get(node.pk)
        kind_size = (
            kind_size_findings(
                node.kind,
                counts.get(size_path[node.pk], empty)["active"],
                approved=(node.pk, node.kind) in approved,
            )
            if node.pk in size_path
            else []
        )
        facts = (counts.get(node.path, empty), term, seats.get(term.pk, []) if term else [])
        found.append((node, findings_from_facts(node, *facts, today, kind_size)))
    return found


def structure_problems(user: Any, today: date) -> list[Problem]:
    if admin_role(user):
        return []
    election, setup, page = (
        UrlPattern("governance:election"),
        UrlPattern("orgs:setup_approval"),
        UrlPattern("orgs:detail"),
    )

    def _fix_url(node: Node, code: str) -> str:
        # A reader who may not fix it (an observer, an enterprise leader) is sent to the
        # organisation's page, never to a form that answers 403.
        if code in ELECTION_CODES and permits(
            user, GovernanceAction.CHANGE, path=node.path, pk=node.pk
        ):
            return election(node.pk)
        if (
            code in SETUP_CODES
            and code != "O10-general-branch-large"
            and permits(user, OrgAction.CHANGE, path=node.path, pk=node.pk)
        ):
            return setup(node.pk)
        return page(node.pk)

    orgs = OrgNode.objects.visible_to(user, GovernanceAction.VIEW).filter(dissolved_on__isnull=True)
    return [
        Problem(
            org_id=node.pk,
            org_path=node.path,
            org_name=node.name,
            org_code=node.code,
            kind=f.code,
            level=f.level,
            message=f.message,
            source=f.source,
            url=_fix_url(node, f.code),
        )
        for node, findings in _scope_findings(orgs, today)
        for f in findings
    ]


def unity_problems(user: Any, today: date) -> list[Problem]:
    if admin_role(user):
        return []
    enterprises = OrgNode.objects.visible_to(user, GovernanceAction.VIEW).filter(
        kind=OrgKind.ENTERPRISE, dissolved_on__isnull=True
    )
    return [
        Problem(
            org_id=row["org"].pk,
            org_path=row["org"].path,
            org_name=row["org"].name,
            org_code=row["org"].code,
            kind=UNITY_GAP,
            level=WARNING,
            message=f"董事长{row['chairman'].person_name}与党组织书记"
            f"{row['secretary'].person_name}分设，尚未登记分设原因",
            source=SOURCE_UNITY,
            url=reverse("governance:unity_exception", args=[row["org"].pk])
            if permits(user, GovernanceAction.CHANGE, path=row["org"].path, pk=row["org"].pk)
            else reverse("orgs:detail", args=[row["org"].pk]),
        )
        for row in unity_gaps(enterprises)
    ]


def register_problem_sources() -> None:
    register_problem_source(
        ProblemSource("governance.structure", STRUCTURE_KINDS, structure_problems, 10)
    )
    register_problem_source(ProblemSource("governance.unity", UNITY_KINDS, unity_problems, 20))
