"""The X县 demo county and benchmark-scale data, built in code through the same services.

Tests use these builders as fixtures too, so the demo and the test data cannot drift apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from dangjian.accounts import services as account_services
from dangjian.accounts.models import Grant, User
from dangjian.core import audit
from dangjian.core.permissions import Role
from dangjian.demo.people import LOADER, BranchPlan, PeopleFactory, branch_plan, populate_county
from dangjian.governance.rules import kind_size_findings
from dangjian.governance.services import in_service_count
from dangjian.members import selfreport
from dangjian.members import services as member_services
from dangjian.orgs import services as org_services
from dangjian.orgs.choices import OperatingStatus, OrgKind, Ownership
from dangjian.orgs.hierarchy import size_scope, upper_party_org_of
from dangjian.orgs.models import EnterpriseProfile, OrgNode
from dangjian.orgs.rules import credit_code_check_char

REGION = "330000"  # a placeholder administrative division code for the fictional X县


def make_credit_code(serial: int) -> str:
    body = f"91{REGION}{serial:08d}0"
    return body + credit_code_check_char(body)


GROUPS = [
    ("CT", "X县城市建设投资集团有限公司", "城投集团"),
    ("JT", "X县交通投资发展集团有限公司", "交投集团"),
    ("NL", "X县农业文旅发展集团有限公司", "农旅集团"),
]

# (group, code suffix, name, status, headcount, large) — large enterprises get a 党委 with
# a 党总支; the rest a single 党支部.
ENTERPRISES = [
    ("CT", "01", "X县城市建设开发有限公司", OperatingStatus.NORMAL, 260, True),
    ("CT", "02", "X县自来水有限公司", OperatingStatus.NORMAL, 180, False),
    ("CT", "03", "X县燃气有限公司", OperatingStatus.NORMAL, 95, False),
    ("CT", "04", "X县公共停车管理有限公司", OperatingStatus.LOSS_MAKING, 40, False),
    ("CT", "05", "X县市政园林工程有限公司", OperatingStatus.NORMAL, 120, False),
    ("CT", "06", "X县保障性住房建设有限公司", OperatingStatus.NORMAL, 35, False),
    ("CT", "07", "X县物业服务有限公司", OperatingStatus.NORMAL, 150, False),
    ("JT", "01", "X县公共交通有限公司", OperatingStatus.NORMAL, 320, True),
    ("JT", "02", "X县公路养护有限公司", OperatingStatus.NORMAL, 110, False),
    ("JT", "03", "X县客运站有限公司", OperatingStatus.NORMAL, 60, False),
    ("JT", "04", "X县机动车检测有限公司", OperatingStatus.NORMAL, 25, False),
    ("JT", "05", "X县物流园开发有限公司", OperatingStatus.NORMAL, 45, False),
    ("JT", "06", "X县建材有限公司", OperatingStatus.BANKRUPTCY, 18, False),
    ("NL", "01", "X县旅游开发有限公司", OperatingStatus.NORMAL, 140, True),
    ("NL", "02", "X县粮食收储有限公司", OperatingStatus.NORMAL, 70, False),
    ("NL", "03", "X县农产品营销有限公司", OperatingStatus.NORMAL, 30, False),
    ("NL", "04", "X县林场有限公司", OperatingStatus.NORMAL, 55, False),
    ("NL", "05", "X县水利水电开发有限公司", OperatingStatus.NORMAL, 85, False),
    ("NL", "06", "X县文化传媒有限公司", OperatingStatus.NORMAL, 28, False),
    ("NL", "07", "X县融资担保有限公司", OperatingStatus.NORMAL, 22, False),
]

DEMO_ACCOUNTS = [
    # username, full name, admin role, (role, node code) or None
    ("supervisor", "国资中心党建科", "", (Role.SUPERVISOR, "XC")),
    ("secretary1", "城建公司第一党支部书记", "", (Role.SECRETARY, "CT01-ZB1")),
    ("clerk1", "城建公司第一党支部党务工作者", "", (Role.CLERK, "CT01-ZB1")),
    ("executive1", "城建公司负责人", "", (Role.EXECUTIVE, "CT01")),
    ("member1", "城建公司党员", "", (Role.MEMBER, "CT01-ZB1")),
    ("observer1", "县委组织部观察员", "", (Role.OBSERVER, "XC")),
    ("sysadmin", "系统管理员", Role.SYSADMIN, None),
    ("secadmin", "安全管理员", Role.SECADMIN, None),
    ("auditor", "审计管理员", Role.AUDITOR, None),
]


@dataclass
class DemoCounty:
    root: OrgNode
    nodes: dict[str, OrgNode] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def _add(
    county: DemoCounty,
    parent: OrgNode,
    kind: str,
    code: str,
    name: str,
    founded: date,
    enterprise: org_services.EnterpriseFacts | None = None,
) -> OrgNode:
    node = org_services.create_org(
        actor=LOADER,
        parent=parent,
        kind=kind,
        code=code,
        name=name,
        founded_on=founded,
        enterprise=enterprise,
    )
    county.nodes[code] = node
    return node


def _branch_name(prefix: str, unit: str, plan: dict[str, BranchPlan], code: str) -> str:
    # "…支部委员会" only where a committee sits; a branch with a lone secretary is "…支部".
    return f"中共{prefix}{unit}支部{'委员会' if plan[code].has_committee else ''}"


def _party_structure(
    county: DemoCounty, ent: OrgNode, code: str, large: bool, plan: dict[str, BranchPlan]
) -> None:
    founded = date(2016, 7, 1)
    name = ent.name
    if large:
        committee = _add(
            county, ent, OrgKind.PARTY_COMMITTEE, f"{code}-DW", f"中共{name}委员会", founded
        )
        general = _add(
            county,
            committee,
            OrgKind.GENERAL_BRANCH,
            f"{code}-ZZ",
            f"中共{name}运营总支部委员会",
            founded,
        )
        for i, unit in enumerate(["第一", "第二"], start=1):
            branch_code = f"{code}-ZB{i}"
            branch = _add(
                county,
                committee,
                OrgKind.BRANCH,
                branch_code,
                _branch_name(name, unit, plan, branch_code),
                founded,
            )
            _add(
                county,
                branch,
                OrgKind.PARTY_GROUP,
                f"{code}-ZB{i}-XZ1",
                f"{unit}支部第一党小组",
                founded,
            )
            _add(
                county,
                branch,
                OrgKind.PARTY_GROUP,
                f"{code}-ZB{i}-XZ2",
                f"{unit}支部第二党小组",
                founded,
            )
        branch_code = f"{code}-ZZ-ZB1"
        _add(
            county,
            general,
            OrgKind.BRANCH,
            branch_code,
            _branch_name(name, "运营第一", plan, branch_code),
            founded,
        )
    else:
        branch_code = f"{code}-ZB1"
        branch = _add(
            county,
            ent,
            OrgKind.BRANCH,
            branch_code,
            _branch_name(name, "", plan, branch_code),
            founded,
        )
        _add(county, branch, OrgKind.PARTY_GROUP, f"{code}-ZB1-XZ1", "第一党小组", founded)


def _branch_codes() -> list[str]:
    codes = []
    for gcode, suffix, *_, large in ENTERPRISES:
        code = f"{gcode}{suffix}"
        codes += [f"{code}-ZB1", f"{code}-ZB2", f"{code}-ZZ-ZB1"] if large else [f"{code}-ZB1"]
    return codes


# Document prefixes of the Party organisations that approve the demo's 党委 and 党总支.
APPROVAL_PREFIX = {
    "XC-DW": "X国资党",
    "CT-DW": "城投党",
    "JT-DW": "交投党",
    "NL-DW": "农旅党",
    "CT01-DW": "城建党",
    "JT01-DW": "公交党",
    "NL01-DW": "旅开党",
}


def _record_setup_approvals(county: DemoCounty) -> None:
    """The county's 党委 (10 to 88 members) and 党总支 (one branch each) are below the SOE
    regulation's 100 and 50: each was set up with its upper organisation's approval."""
    serial = 0
    for code, node in sorted(county.nodes.items()):
        if node.kind not in org_services.APPROVED_KINDS:
            continue
        findings = kind_size_findings(node.kind, in_service_count(size_scope(node)), approved=False)
        if not findings:
            continue
        upper = upper_party_org_of(node)
        assert upper is not None, f"{code} has no upper Party organisation"
        serial += 1
        org_services.record_setup_approval(
            actor=LOADER,
            org=node,
            approving_body=upper.name,
            approval_ref=f"{APPROVAL_PREFIX[upper.code]}〔{node.founded_on:%Y}〕{serial}号",
            approved_on=node.founded_on or date(2016, 6, 20),
        )


@transaction.atomic
def build_demo_county(*, password: str) -> DemoCounty:
    root = org_services.create_org(
        actor=LOADER,
        parent=None,
        kind=OrgKind.SUPERVISOR,
        code="XC",
        name="X县国有资产管理服务中心",
        founded_on=date(2009, 3, 1),
    )
    county = DemoCounty(root=root, nodes={"XC": root})
    _add(county, root, OrgKind.PARTY_COMMITTEE, "XC-DW", f"中共{root.name}委员会", date(2012, 5, 1))
    plan = branch_plan(_branch_codes())
    serial = 1
    for gcode, gname, _short in GROUPS:
        group = _add(county, root, OrgKind.GROUP, gcode, gname, date(2013, 1, 1))
        _add(
            county,
            group,
            OrgKind.PARTY_COMMITTEE,
            f"{gcode}-DW",
            f"中共{gname}委员会",
            date(2013, 6, 1),
        )
    for gcode, suffix, name, status, headcount, large in ENTERPRISES:
        code = f"{gcode}{suffix}"
        facts = org_services.EnterpriseFacts(
            credit_code=make_credit_code(serial),
            ownership=Ownership.WHOLLY_OWNED,
            operating_status=status,
            headcount=headcount,
            payroll_prior_year=Decimal(headcount * 86_000),
            transferred_on=date(2019, 12, 31) if gcode == "NL" else None,
        )
        serial += 1
        ent = _add(
            county, county.nodes[gcode], OrgKind.ENTERPRISE, code, name, date(2010, 1, 1), facts
        )
        _party_structure(county, ent, code, large, plan)
    populate_county(county.nodes)
    _record_setup_approvals(county)
    for username, full_name, admin_role, grant in DEMO_ACCOUNTS:
        user, _ = account_services.create_account(
            actor=LOADER,
            username=username,
            full_name=full_name,
            admin_role=admin_role,
            password=password,
            must_change_password=False,
        )
        if grant is not None:
            role, node_code = grant
            account_services.grant_role(
                actor=LOADER, user=user, role=role, node=county.nodes[node_code]
            )
        county.users[username] = user
    _member_record_for(county)
    return county


# member1's own record, in the branch its 党员 grant names: what 我的党员信息 shows.
MEMBER_ACCOUNT = ("member1", "CT01-ZB1")


def _member_record_for(county: DemoCounty) -> None:
    username, branch_code = MEMBER_ACCOUNT
    factory = PeopleFactory(seed=11)
    factory.serial = 400  # ID sequences apart from the county's people
    record = member_services.register_member(
        actor=LOADER, org=county.nodes[branch_code], data=factory.member_data()
    )
    selfreport.link_account(record, actor=LOADER, account=county.users[username])


def build_scale(*, enterprises: int, groups: int = 10, seed: int = 7) -> dict[str, int]:
    """Benchmark data: ``groups`` extra 集团 sharing ``enterprises`` 企业, each with a 党委, two
    党支部 and a 党小组 (4 Party organisations per enterprise). Written with bulk inserts and
    precomputed materialised paths, because 25,000 single inserts would take minutes."""
    rng = random.Random(seed)
    root = OrgNode.objects.get(depth=1)
    per_group = -(-enterprises // groups)
    counts = {"groups": 0, "enterprises": 0, "party_orgs": 0}
    with transaction.atomic():
        for g in range(groups):
            group = org_services.create_org(
                actor=LOADER,
                parent=OrgNode.objects.get(pk=root.pk),
                kind=OrgKind.GROUP,
                code=f"SG{g + 1:02d}",
                name=f"规模测试集团{g + 1:02d}",
                founded_on=date(2015, 1, 1),
            )
            counts["groups"] += 1
            n = min(per_group, enterprises - counts["enterprises"])
            made = _bulk_enterprises(group, g, n, rng)
            counts["enterprises"] += made[0]
            counts["party_orgs"] += made[1]
        audit.record("demo.scale.generate", actor=LOADER, changes=counts)
    return counts


def _bulk_enterprises(group: OrgNode, g: int, n: int, rng: random.Random) -> tuple[int, int]:
    step = OrgNode._get_path  # treebeard's own path arithmetic keeps the tree valid
    ents, profiles, party = [], [], []
    for i in range(n):
        code = f"SG{g + 1:02d}E{i + 1:05d}"
        ent = OrgNode(
            path=step(group.path, group.depth + 1, i + 1),
            depth=group.depth + 1,
            numchild=1,
            code=code,
            kind=OrgKind.ENTERPRISE,
            parent=group,
            name=f"规模测试企业{g + 1:02d}-{i + 1:05d}",
            founded_on=date(2016, 1, 1),
        )
        ents.append(ent)
    OrgNode.objects.bulk_create(ents, batch_size=2000)
    ents = list(OrgNode.objects.filter(parent=group).order_by("path"))
    base_serial = 100_000 + g * 10_000
    for i, ent in enumerate(ents):
        profiles.append(
            EnterpriseProfile(
                org=ent,
                credit_code=make_credit_code(base_serial + i),
                ownership=Ownership.CONTROLLED,
                headcount=rng.randint(10, 400),
                payroll_prior_year=Decimal(rng.randint(1, 40) * 100_000),
                operating_status=OperatingStatus.NORMAL,
            )
        )
        party.append(
            OrgNode(
                path=step(ent.path, ent.depth + 1, 1),
                depth=ent.depth + 1,
                numchild=2,
                code=f"{ent.code}-DW",
                kind=OrgKind.PARTY_COMMITTEE,
                parent=ent,
                name=f"{ent.name}党委",
                founded_on=date(2016, 7, 1),
            )
        )
    EnterpriseProfile.objects.bulk_create(profiles, batch_size=2000)
    OrgNode.objects.bulk_create(party, batch_size=2000)
    committees = OrgNode.objects.filter(parent__parent=group, kind=OrgKind.PARTY_COMMITTEE)
    branches = []
    for committee in committees:
        for b in (1, 2):
            branches.append(
                OrgNode(
                    path=step(committee.path, committee.depth + 1, b),
                    depth=committee.depth + 1,
                    numchild=1 if b == 1 else 0,
                    code=f"{committee.code[:-3]}-ZB{b}",
                    kind=OrgKind.BRANCH,
                    parent=committee,
                    name=f"第{b}党支部",
                    founded_on=date(2016, 7, 1),
                )
            )
    OrgNode.objects.bulk_create(branches, batch_size=2000)
    first_branches = OrgNode.objects.filter(parent__parent__parent=group, code__endswith="-ZB1")
    groups_ = [
        OrgNode(
            path=step(b.path, b.depth + 1, 1),
            depth=b.depth + 1,
            numchild=0,
            code=f"{b.code}-XZ1",
            kind=OrgKind.PARTY_GROUP,
            parent=b,
            name="第一党小组",
            founded_on=date(2016, 7, 1),
        )
        for b in first_branches
    ]
    OrgNode.objects.bulk_create(groups_, batch_size=2000)
    OrgNode.objects.filter(pk=group.pk).update(numchild=len(ents))
    return len(ents), len(party) + len(branches) + len(groups_)


def demo_is_loaded() -> bool:
    return OrgNode.objects.exists()


def grant_for_benchmark(username: str, group_code: str, password: str) -> User:
    """A supervisor-role account granted exactly one 集团 (the benchmark's user)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user, _ = account_services.create_account(
            actor=LOADER,
            username=username,
            full_name="基准测试账号",
            password=password,
            must_change_password=False,
        )
    node = OrgNode.objects.get(code=group_code)
    if not Grant.objects.filter(user=user, node=node).exists():
        account_services.grant_role(actor=LOADER, user=user, role=Role.SUPERVISOR, node=node)
    return user
