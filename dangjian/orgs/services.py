"""Writes to the organisation tree. Views, API, imports and commands all call these.

Each function checks the actor's scope, validates, writes inside one transaction and records
its audit entry in that same transaction. Errors are ``ValidationError`` keyed by field, in Chinese.
A node outside the actor's scope raises ``NotVisible``; only a ``SystemActor`` (demo data,
commands) may create a root.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from dangjian.core import audit, clock
from dangjian.core.actors import Actor, SystemActor, require_actor
from dangjian.core.ownership import ensure_version, save_versioned
from dangjian.core.rules import (
    EARLIEST_ENTERPRISE_DATE,
    PARTY_FOUNDED,
    date_range_error,
    invisible_character_error,
)
from dangjian.core.scoping import in_subtree, require_anywhere, require_permits_on, subtree_q
from dangjian.core.validators import check_date, check_name
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import (
    CountySettings,
    EnterpriseProfile,
    OrgNode,
    SetupApproval,
    code_validator,
)
from dangjian.orgs.permissions import OrgAction
from dangjian.orgs.rules import credit_code_error, parent_kind_error

NODE_FIELDS = ("code", "kind", "name", "short_name", "founded_on")
# Companies may be older than the Party; a Party organisation or the 国资中心 cannot.
COMPANY_KINDS = frozenset({OrgKind.GROUP, OrgKind.ENTERPRISE})
MAX_HEADCOUNT = 1_000_000  # far above any county enterprise; keeps the column inside int4
STALE_ORG = "该组织已被他人修改，请刷新页面后再保存（您的修改未保存）"

ENTERPRISE_FIELDS = (
    "credit_code",
    "ownership",
    "transferred_on",
    "headcount",
    "payroll_prior_year",
    "operating_status",
)


@dataclass
class EnterpriseFacts:
    credit_code: str
    ownership: str
    operating_status: str
    headcount: int = 0
    payroll_prior_year: Decimal = Decimal("0")
    transferred_on: date | None = None


def _snapshot(node: OrgNode) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(node, name) for name in NODE_FIELDS}
    values["parent"] = node.parent_id
    profile = getattr(node, "enterprise", None) if node.pk else None
    if profile is not None:
        values.update({f"enterprise.{n}": getattr(profile, n) for n in ENTERPRISE_FIELDS})
    return values


def _validate_code(code: str, *, exclude_pk: int | None = None) -> None:
    try:
        code_validator(code)
    except ValidationError as exc:
        raise ValidationError({"code": exc.messages}) from exc
    clash = OrgNode.objects.filter(code=code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"code": f"编码“{code}”已被其他组织使用，请换一个编码"})


def _validate_enterprise(
    facts: EnterpriseFacts, *, today: date, exclude_pk: int | None = None
) -> None:
    errors: dict[str, str] = {}
    message = credit_code_error(facts.credit_code)
    if message:
        errors["credit_code"] = message
    elif (
        EnterpriseProfile.objects.filter(credit_code=facts.credit_code)
        .exclude(pk=exclude_pk or 0)
        .exists()
    ):
        errors["credit_code"] = "该统一社会信用代码已登记在其他企业名下"
    if facts.headcount < 0:
        errors["headcount"] = "职工人数不能为负数"
    elif facts.headcount > MAX_HEADCOUNT:
        errors["headcount"] = f"职工人数不能超过{MAX_HEADCOUNT}人，请核对"
    if facts.payroll_prior_year < 0:
        errors["payroll_prior_year"] = "上年度工资总额不能为负数"
    message = date_range_error(
        facts.transferred_on,
        label="产权划转日期",
        today=today,
        earliest=EARLIEST_ENTERPRISE_DATE,
    )
    if message:
        errors["transferred_on"] = message
    if errors:
        raise ValidationError(errors)


def _check_dates(founded_on: date | None, kind: str, today: date) -> None:
    earliest = EARLIEST_ENTERPRISE_DATE if kind in COMPANY_KINDS else PARTY_FOUNDED
    message = date_range_error(founded_on, label="成立日期", today=today, earliest=earliest)
    if message:
        raise ValidationError({"founded_on": message})


def _check_names(name: str, short_name: str) -> None:
    errors = {}
    if message := invisible_character_error(name, label="名称"):
        errors["name"] = message
    if message := invisible_character_error(short_name, label="简称"):
        errors["short_name"] = message
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_org(
    *,
    actor: Actor,
    parent: OrgNode | None,
    kind: str,
    code: str,
    name: str,
    short_name: str = "",
    founded_on: date | None = None,
    enterprise: EnterpriseFacts | None = None,
    today: date | None = None,
) -> OrgNode:
    require_actor(actor)
    today = today or clock.today()
    if parent is not None:
        require_permits_on(actor, OrgAction.ADD, parent)
        parent = OrgNode.objects.select_for_update().get(pk=parent.pk)
        if parent.is_dissolved:
            raise ValidationError({"parent": "上级组织已撤销，不能在其下新建组织"})
    elif not isinstance(actor, SystemActor):
        raise ValidationError({"parent": "请选择上级组织"})
    message = parent_kind_error(kind, parent.kind if parent else None)
    if message:
        raise ValidationError({"parent" if parent else "kind": message})
    if not name.strip():
        raise ValidationError({"name": "请填写名称"})
    _check_names(name, short_name)
    _validate_code(code)
    _check_dates(founded_on, kind, today)
    if kind == OrgKind.ENTERPRISE:
        if enterprise is None:
            raise ValidationError({"credit_code": "企业必须填写统一社会信用代码等企业信息"})
        _validate_enterprise(enterprise, today=today)
    node = OrgNode(
        code=code,
        kind=kind,
        name=name.strip(),
        short_name=short_name.strip(),
        founded_on=founded_on,
        parent=parent,
    )
    node = (
        OrgNode.objects.add_child(parent, instance=node)
        if parent
        else OrgNode.objects.add_root(instance=node)
    )
    if kind == OrgKind.ENTERPRISE and enterprise is not None:
        EnterpriseProfile.objects.create(org=node, **vars(enterprise))
    audit.record(
        "orgs.org.create",
        actor=actor,
        obj=node,
        org_path=node.path,
        changes=audit.diff({}, _snapshot(node)),
    )
    return node


@transaction.atomic
def update_org(
    node: OrgNode,
    *,
    actor: Actor,
    expected_version: int,
    name: str,
    code: str,
    short_name: str = "",
    founded_on: date | None = None,
    enterprise: EnterpriseFacts | None = None,
    today: date | None = None,
) -> OrgNode:
    today = today or clock.today()
    require_permits_on(actor, OrgAction.CHANGE, node)
    locked = OrgNode.objects.select_for_update().get(pk=node.pk)
    ensure_version(locked, expected_version, message=STALE_ORG)
    if locked.is_dissolved:
        raise ValidationError({"__all__": "已撤销的组织不能修改"})
    if not name.strip():
        raise ValidationError({"name": "请填写名称"})
    _check_names(name, short_name)
    _validate_code(code, exclude_pk=locked.pk)
    _check_dates(founded_on, locked.kind, today)
    if locked.dissolved_on and founded_on and founded_on > locked.dissolved_on:
        raise ValidationError({"founded_on": "成立日期不能晚于撤销日期"})
    profile = EnterpriseProfile.objects.filter(org=locked).first()
    if locked.kind == OrgKind.ENTERPRISE and enterprise is not None:
        _validate_enterprise(enterprise, today=today, exclude_pk=profile.pk if profile else None)
    before = _snapshot(locked)
    locked.name, locked.code, locked.short_name = name.strip(), code, short_name.strip()
    locked.founded_on = founded_on
    save_versioned(
        locked,
        expected_version=expected_version,
        fields=["name", "code", "short_name", "founded_on"],
        message=STALE_ORG,
    )
    if locked.kind == OrgKind.ENTERPRISE and enterprise is not None:
        if profile is None:
            EnterpriseProfile.objects.create(org=locked, **vars(enterprise))
        else:
            for field, value in vars(enterprise).items():
                setattr(profile, field, value)
            profile.save()
    locked = OrgNode.objects.select_related("enterprise").get(pk=locked.pk)
    changes = audit.diff(before, _snapshot(locked))
    audit.record("orgs.org.update", actor=actor, obj=locked, org_path=locked.path, changes=changes)
    require_permits_on(actor, OrgAction.CHANGE, locked)
    return locked


@transaction.atomic
def move_org(node: OrgNode, *, actor: Actor, new_parent: OrgNode) -> OrgNode:
    require_permits_on(actor, OrgAction.MOVE, node)
    require_permits_on(actor, OrgAction.MOVE, new_parent)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    target = OrgNode.objects.select_for_update().get(pk=new_parent.pk)
    if node.parent_id is None:
        raise ValidationError({"parent": "根节点不能移动"})
    if in_subtree(target.path, node.path):
        raise ValidationError({"parent": "不能把组织移动到它自己或它的下级组织之下"})
    if target.pk == node.parent_id:
        raise ValidationError({"parent": "新的上级组织与当前上级相同"})
    if node.is_dissolved or target.is_dissolved:
        raise ValidationError({"parent": "已撤销的组织不能移动，也不能作为新的上级"})
    message = parent_kind_error(node.kind, target.kind)
    if message:
        raise ValidationError({"parent": message})
    old_parent_id, old_path = node.parent_id, node.path
    OrgNode.objects.move(node, target, pos="last-child")
    node = OrgNode.objects.get(pk=node.pk)
    node.parent = target
    save_versioned(node, expected_version=node.version, fields=["parent"], message=STALE_ORG)
    audit.record(
        "orgs.org.move",
        actor=actor,
        obj=node,
        org_path=node.path,
        changes={"parent": [old_parent_id, target.pk], "path": [old_path, node.path]},
    )
    return node


@transaction.atomic
def dissolve_org(
    node: OrgNode, *, actor: Actor, on: date, reason: str, today: date | None = None
) -> int:
    """Dissolve a node and its still-active subtree; rows stay, marked with the date."""
    require_permits_on(actor, OrgAction.DISSOLVE, node)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    if node.is_dissolved:
        raise ValidationError({"dissolved_on": f"该组织已于{node.dissolved_on:%Y-%m-%d}撤销"})
    if node.parent_id is None:
        raise ValidationError({"__all__": "根节点不能撤销"})
    earliest = EARLIEST_ENTERPRISE_DATE if node.kind in COMPANY_KINDS else PARTY_FOUNDED
    message = date_range_error(
        on, label="撤销日期", today=today or clock.today(), earliest=earliest
    )
    if message:
        raise ValidationError({"dissolved_on": message})
    if node.founded_on and on < node.founded_on:
        raise ValidationError({"dissolved_on": "撤销日期不能早于成立日期"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因"})
    subtree = OrgNode.objects.filter(subtree_q("path", node.path), dissolved_on__isnull=True)
    count = subtree.update(dissolved_on=on, dissolution_reason=reason.strip()[:200])
    audit.record(
        "orgs.org.dissolve",
        actor=actor,
        obj=node,
        org_path=node.path,
        changes={
            "dissolved_on": [None, on.isoformat()],
            "reason": reason.strip(),
            "dissolved_count": count,
        },
    )
    return count


SETTINGS_FIELDS = (
    "transfer_letter_valid_months",
    "branch_term_years",
    "lost_contact_review_months",
    "extra_committee_posts",
)


@transaction.atomic
def update_county_settings(*, actor: Actor, values: dict[str, Any]) -> CountySettings:
    require_anywhere(actor, OrgAction.COUNTY_SETTINGS)
    errors = {}
    if not 1 <= int(values["transfer_letter_valid_months"]) <= 12:
        errors["transfer_letter_valid_months"] = "介绍信有效期应在1至12个月之间"
    if not 3 <= int(values["branch_term_years"]) <= 5:
        errors["branch_term_years"] = "党支部委员会任期应为3至5年（党章：三年至五年）"
    review_months = int(values["lost_contact_review_months"])
    if review_months < 6:
        errors["lost_contact_review_months"] = (
            "失联审查月数不得少于6个月（党员教育管理工作条例第二十四条：失去联系6个月以上），"
            "县级只能延长，不能缩短"
        )
    elif review_months > 24:
        errors["lost_contact_review_months"] = "失联审查月数应在6至24个月之间"
    if message := invisible_character_error(
        str(values["extra_committee_posts"]), label="其他支委职务"
    ):
        errors["extra_committee_posts"] = message
    if errors:
        raise ValidationError(errors)
    existing = CountySettings.objects.filter(pk=1).first()
    before = {f: getattr(existing, f) for f in SETTINGS_FIELDS} if existing else {}
    row = existing or CountySettings(pk=1)
    for name in SETTINGS_FIELDS:
        setattr(row, name, values[name])
    row.save()
    audit.record(
        "orgs.county_settings.update",
        actor=actor,
        obj=row,
        changes=audit.diff(before, {f: getattr(row, f) for f in SETTINGS_FIELDS}),
    )
    return row


APPROVED_KINDS = (OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH)


@transaction.atomic
def record_setup_approval(
    *, actor: Actor, org: OrgNode, approval_ref: str, approved_on: date, approving_body: str
) -> SetupApproval:
    """The upper organisation's approval for a 党委 or 党总支 below the regulation's size
    (国企条例: "确因工作需要的，经上级党组织批准"). Recording it again for the same kind
    corrects the earlier record."""
    actor = require_actor(actor)
    require_permits_on(actor, OrgAction.CHANGE, org)
    if org.kind not in APPROVED_KINDS:
        raise ValidationError({"org": "只有党委、党总支需要登记设立批准"})
    errors = {}
    if not approval_ref.strip():
        errors["approval_ref"] = "请填写批准文号"
    if not approving_body.strip():
        errors["approving_body"] = "请填写批准机关（上级党组织）"
    if approved_on is None:
        errors["approved_on"] = "请填写批准日期"
    if errors:
        raise ValidationError(errors)
    check_name(approval_ref, "approval_ref", "批准文号")
    check_name(approving_body, "approving_body", "批准机关")
    check_date(approved_on, "approved_on", "批准日期")
    approval, _ = SetupApproval.objects.update_or_create(
        org=org,
        kind=org.kind,
        defaults={
            "approval_ref": approval_ref.strip(),
            "approved_on": approved_on,
            "approving_body": approving_body.strip(),
        },
    )
    audit.record(
        "orgs.setup_approval.record",
        actor=actor,
        obj=approval,
        org_path=org.path,
        changes={
            "kind": org.kind,
            "approval_ref": approval.approval_ref,
            "approved_on": approved_on.isoformat(),
            "approving_body": approval.approving_body,
        },
    )
    return approval


def current_setup_approval(org: OrgNode) -> SetupApproval | None:
    """The approval for the organisation's present kind, if one is recorded."""
    return SetupApproval.objects.filter(org=org, kind=org.kind).first()
