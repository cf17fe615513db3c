"""Demo people: members, committees and enterprise leaders for the X县 demo county.

Deterministic (seeded) so every demo and test session sees the same county. Everything is written
through the services, like real data entry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.permissions import Role
from dangjian.core.rules import add_months
from dangjian.governance import services as governance
from dangjian.governance.choices import CommitteePost, LeaderPosition
from dangjian.members import movements
from dangjian.members import services as members
from dangjian.members.choices import Education, MemberStatus
from dangjian.members.rules import id_check_char, probation_ends
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import CountySettings, OrgNode

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌"
    "玉兰海燕晓东春梅立新雪峰佳琪子涵浩然思远雨欣"
)
POSTS = ["综合办公室", "财务部", "工程部", "运营部", "安全环保部", "市场部", "生产一线", "技术中心"]
COMMUNITIES = ["城关街道南门社区", "城关街道北苑社区", "东城街道滨江社区", "西城街道花园社区"]
REGION = "330122"
# The demo loader is an operator's command: its entries read ``system:load_demo``.
LOADER = SystemActor("load_demo")
# The demo's lost-contact case is recorded as the county office would record it.
DEMO_LOADER = SystemActor("load_demo", roles=frozenset({Role.SUPERVISOR}))


def make_id_number(born: date, serial: int, male: bool) -> str:
    sequence = serial * 2 + (1 if male else 0)
    body = f"{REGION}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + id_check_char(body)


class PeopleFactory:
    def __init__(self, seed: int = 2020) -> None:
        self.rng = random.Random(seed)
        self.serial = 0

    def name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + given

    def member_data(self, *, status: str = MemberStatus.FULL) -> members.MemberData:
        self.serial += 1
        born = date(1965, 1, 1) + timedelta(days=self.rng.randint(0, 35 * 365))
        male = self.rng.random() < 0.62
        admitted = born + timedelta(days=365 * 19 + self.rng.randint(0, 365 * 12))
        admitted = min(admitted, date(2024, 6, 30))
        full_on = None if status == MemberStatus.PROBATIONARY else probation_ends(admitted)
        if status == MemberStatus.PROBATIONARY:
            admitted = date(2026, 3, 1) + timedelta(days=self.rng.randint(0, 150))
        return members.MemberData(
            name=self.name(),
            id_number=make_id_number(born, self.serial, male),
            status=status,
            phone=f"139{self.rng.randint(10_000_000, 99_999_999)}",
            education=self.rng.choice([e.value for e in Education][:4]),
            post=self.rng.choice(POSTS),
            is_cadre=self.rng.random() < 0.2,
            admitted_on=admitted,
            full_on=full_on,
        )


DEMO_SECRETARY_BRANCH = "CT01-ZB1"  # populated apart: the first login's open items live here
BRANCH_SIZES = (4, 6, 9, 12, 15)


@dataclass(frozen=True)
class BranchPlan:
    size: int
    elects: bool  # a term is recorded (with a lone secretary when under 7 full members)
    has_committee: bool  # a 支部委员会 sits: elected, and 7 or more full members


def branch_plan(codes: list[str]) -> dict[str, BranchPlan]:
    """Per branch code: its members and whether it elects. One in four branches deliberately
    records no election, so the demo shows the warnings; the builder names a branch
    "…支部委员会" only where the plan seats a committee."""
    # The demo secretary's branch elects a committee (``populate_secretary_branch``).
    plan = {DEMO_SECRETARY_BRANCH: BranchPlan(SECRETARY_BRANCH_FULL + 1, True, True)}
    others = sorted(code for code in codes if code != DEMO_SECRETARY_BRANCH)
    for index, code in enumerate(others):
        size = BRANCH_SIZES[index % len(BRANCH_SIZES)]
        full = size - 1 if size > 4 else size  # the last member of a larger branch is 预备
        elects = index % 4 != 1
        plan[code] = BranchPlan(size, elects, elects and full >= 7)
    return plan


def populate_branch(
    factory: PeopleFactory, branch: OrgNode, size: int, *, with_committee: bool
) -> list[members.Member]:
    group_ids = list(
        OrgNode.objects.filter(parent=branch, kind=OrgKind.PARTY_GROUP).values_list("pk", flat=True)
    )
    made = []
    for i in range(size):
        status = MemberStatus.PROBATIONARY if i == size - 1 and size > 4 else MemberStatus.FULL
        data = factory.member_data(status=status)
        data.party_group_id = group_ids[i % len(group_ids)] if group_ids else None
        made.append(members.register_member(actor=LOADER, org=branch, data=data))
    for member in made[: int(size * 0.6)]:
        movements.register_with_community(
            member,
            actor=LOADER,
            community=factory.rng.choice(COMMUNITIES),
            registered_on=date(2025, 3, 1) + timedelta(days=factory.rng.randint(0, 400)),
        )
    if with_committee:
        # Elected within the last three years, counted from the day the demo is loaded: most
        # terms run, a few fall due soon (the neglected cases are set apart, populate_county).
        elected = clock.today() - timedelta(days=factory.rng.randint(60, 1060))
        term = governance.record_election(actor=LOADER, org=branch, elected_on=elected)
        # Most branches have the upper organisation's 批准 of their secretary on record.
        approved = factory.rng.random() < 0.75
        full = [m for m in made if m.status == MemberStatus.FULL]
        posts = [
            CommitteePost.SECRETARY,
            CommitteePost.ORGANISATION,
            CommitteePost.PUBLICITY,
            CommitteePost.DISCIPLINE,
        ][: (1 if len(full) < 7 else 3 if len(full) < 9 else 4)]
        for post, member in zip(posts, full, strict=False):
            leader = approved and post == CommitteePost.SECRETARY
            governance.assign_seat(
                term,
                actor=LOADER,
                post=post,
                member=member,
                assigned_on=term.elected_on,
                upper_ref=f"党组批〔{term.elected_on:%Y}〕{branch.pk}号" if leader else "",
                upper_on=term.elected_on + timedelta(days=7) if leader else None,
            )
    return made


# The demo secretary's branch: eight full members and a probationary one, a committee elected
# in January 2024 (its three years fall due soon after the demo's first winter) with its
# secretary's 批准 on record, and three open items dated from the day the demo is loaded.
SECRETARY_BRANCH_FULL = 8
SECRETARY_BRANCH_ELECTED = date(2024, 1, 20)
# A neglected branch: its committee's term ran out years ago and nobody held the election.
OVERDUE_BRANCH, OVERDUE_ELECTED = "JT04-ZB1", date(2020, 9, 1)


def populate_secretary_branch(branch: OrgNode) -> list[members.Member]:
    today = clock.today()
    factory = PeopleFactory(seed=31)
    factory.serial = 600  # ID sequences apart from the county's people and member1's record
    made = [
        members.register_member(actor=LOADER, org=branch, data=factory.member_data())
        for _ in range(SECRETARY_BRANCH_FULL)
    ]
    newcomer = factory.member_data(status=MemberStatus.PROBATIONARY)
    # Admitted a year ago less three weeks: the branch should prepare the 转正 discussion.
    newcomer.admitted_on = add_months(today, -12) + timedelta(days=21)
    made.append(members.register_member(actor=LOADER, org=branch, data=newcomer))
    for member in made[:5]:
        movements.register_with_community(
            member,
            actor=LOADER,
            community=factory.rng.choice(COMMUNITIES),
            registered_on=date(2025, 4, 1) + timedelta(days=factory.rng.randint(0, 200)),
        )
    term = governance.record_election(actor=LOADER, org=branch, elected_on=SECRETARY_BRANCH_ELECTED)
    posts = (CommitteePost.SECRETARY, CommitteePost.ORGANISATION, CommitteePost.DISCIPLINE)
    for post, member in zip(posts, made, strict=False):
        leader = post == CommitteePost.SECRETARY
        governance.assign_seat(
            term,
            actor=LOADER,
            post=post,
            member=member,
            assigned_on=term.elected_on,
            upper_ref="城建党〔2024〕3号" if leader else "城建党〔2024〕4号",
            upper_on=term.elected_on + timedelta(days=10),
        )
    # Out of touch for seven months: due for the 停止党籍 review.
    movements.mark_lost_contact(made[6], actor=DEMO_LOADER, since=add_months(today, -7))
    # A letter issued almost three months ago: valid for another ten days or so.
    months = CountySettings.current().transfer_letter_valid_months
    movements.issue_transfer_out(
        made[7],
        actor=DEMO_LOADER,
        letter_no="城建组转〔2026〕11号",
        destination="中共X市城市发展集团有限公司委员会",
        issued_on=add_months(today + timedelta(days=10), -months),
    )
    return made


def populate_county(nodes: dict[str, OrgNode]) -> None:
    """Members for every branch, committees where the rules require one (and a neglected
    branch whose term ran out), the demo secretary's branch with its open items, a lost-contact
    case, an expired transfer letter, and leadership facts for each enterprise."""
    factory = PeopleFactory()
    plan = branch_plan([code for code, n in nodes.items() if n.kind == OrgKind.BRANCH])
    for code, branch in sorted(nodes.items()):
        if branch.kind != OrgKind.BRANCH or code == DEMO_SECRETARY_BRANCH:
            continue
        populate_branch(factory, branch, plan[code].size, with_committee=plan[code].elects)
    if DEMO_SECRETARY_BRANCH in nodes:
        populate_secretary_branch(nodes[DEMO_SECRETARY_BRANCH])
    overdue = nodes.get(OVERDUE_BRANCH)
    if overdue is not None and not plan[OVERDUE_BRANCH].elects:
        governance.record_election(actor=LOADER, org=overdue, elected_on=OVERDUE_ELECTED)
    lost = members.Member.objects.filter(org=nodes["JT02-ZB1"]).order_by("id").first()
    if lost is not None:
        movements.mark_lost_contact(lost, actor=DEMO_LOADER, since=date(2026, 2, 10))
    # A transfer letter never completed: past its validity it shows as 已过期, to be reissued.
    leaving = members.Member.objects.filter(org=nodes["CT02-ZB1"]).order_by("id").first()
    if leaving is not None:
        movements.issue_transfer_out(
            leaving,
            actor=DEMO_LOADER,
            letter_no="城建组转〔2026〕3号",
            destination="中共X市交通投资集团有限公司委员会",
            issued_on=date(2026, 6, 15),
        )
    for code, node in sorted(nodes.items()):
        if node.kind != OrgKind.ENTERPRISE:
            continue
        chairman = factory.name()
        split = code in ("CT04", "JT03", "NL05")
        governance.set_leader(
            actor=LOADER,
            org=node,
            position=LeaderPosition.CHAIRMAN,
            person_name=chairman,
            since=date(2022, 4, 1),
            on_board=True,
            on_party_committee=True,
        )
        governance.set_leader(
            actor=LOADER,
            org=node,
            position=LeaderPosition.PARTY_SECRETARY,
            person_name=factory.name() if split else chairman,
            since=date(2022, 4, 1),
            on_board=True,
            on_party_committee=True,
        )
        governance.set_leader(
            actor=LOADER,
            org=node,
            position=LeaderPosition.GENERAL_MANAGER,
            person_name=factory.name(),
            since=date(2022, 4, 1),
            on_management=True,
            on_party_committee=True,
        )
        if code == "NL05":
            governance.record_unity_exception(
                actor=LOADER,
                org=node,
                reason="董事长由县水利局干部兼任，经县委组织部同意党组织书记分设",
                approval_ref="X组通〔2024〕12号",
                on=date(2024, 5, 1),
            )
