"""Pure rules of the organisation tree: which kind may sit under which, credit-code checks and
the Party hierarchy (上级党组织)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dangjian.orgs.choices import OrgKind

# Kind → kinds allowed as its parent. ``None`` marks a root.
ALLOWED_PARENTS: dict[str, frozenset[str | None]] = {
    OrgKind.SUPERVISOR: frozenset({None}),
    OrgKind.GROUP: frozenset({OrgKind.SUPERVISOR}),
    OrgKind.ENTERPRISE: frozenset({OrgKind.SUPERVISOR, OrgKind.GROUP, OrgKind.ENTERPRISE}),
    OrgKind.PARTY_COMMITTEE: frozenset(
        {OrgKind.SUPERVISOR, OrgKind.GROUP, OrgKind.ENTERPRISE, OrgKind.PARTY_COMMITTEE}
    ),
    OrgKind.GENERAL_BRANCH: frozenset({OrgKind.GROUP, OrgKind.ENTERPRISE, OrgKind.PARTY_COMMITTEE}),
    OrgKind.BRANCH: frozenset(
        {OrgKind.GROUP, OrgKind.ENTERPRISE, OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH}
    ),
    OrgKind.PARTY_GROUP: frozenset({OrgKind.BRANCH}),
}


def parent_kind_error(kind: str, parent_kind: str | None) -> str | None:
    """A Chinese message when ``kind`` may not sit under ``parent_kind``, else ``None``."""
    allowed = ALLOWED_PARENTS.get(kind)
    if allowed is None:
        return "未知的组织类型"
    if parent_kind in allowed:
        return None
    label = OrgKind(kind).label
    if parent_kind is None:
        return f"{label}必须有上级组织"
    names = "、".join(OrgKind(k).label for k in sorted(k for k in allowed if k is not None))
    if not names:
        return f"{label}只能作为根节点，不能设置上级组织"
    return f"{label}的上级只能是：{names}；不能放在{OrgKind(parent_kind).label}之下"


def allowed_child_kinds(parent_kind: str) -> list[str]:
    return [kind for kind, parents in ALLOWED_PARENTS.items() if parent_kind in parents]


# GB 32100-2015 统一社会信用代码: 18 characters from a 31-symbol alphabet (no I, O, S, V, Z);
# the last is a check character over the first 17 with weights 3^i mod 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """A Chinese message saying what is wrong with a 统一社会信用代码, or ``None`` when valid."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位"
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        return (
            f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z 及小写字母）"
        )
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对后重新输入"
    return None


# --- The Party hierarchy -------------------------------------------------------------------------
# A Party organisation answers to the one above it: the Party organisation it sits in when its
# parent is one (a branch under a 党委), else the Party organisation of the nearest enterprise or
# group above its own (up to the 国资中心's 党委). 党小组 are part of their branch.
ENTITY_KINDS = frozenset({OrgKind.SUPERVISOR, OrgKind.GROUP, OrgKind.ENTERPRISE})
PARTY_RANK: dict[str, int] = {
    OrgKind.PARTY_COMMITTEE: 3,
    OrgKind.GENERAL_BRANCH: 2,
    OrgKind.BRANCH: 1,
}


@dataclass(frozen=True)
class TreeRef:
    """The few facts the hierarchy needs about a node (no model, so the rule stays pure)."""

    pk: int
    kind: str
    parent_pk: int | None
    dissolved: bool = False


def entity_party_org(children: Iterable[TreeRef]) -> TreeRef | None:
    """The Party organisation of an enterprise, group or the 国资中心: its highest-ranked
    Party child still in being (党委 before 党总支 before 党支部; the first made on a tie)."""
    ranked = [c for c in children if c.kind in PARTY_RANK and not c.dissolved]
    if not ranked:
        return None
    return min(ranked, key=lambda c: (-PARTY_RANK[c.kind], c.pk))


def upper_party_org(node: TreeRef, nodes: Iterable[TreeRef]) -> int | None:
    """The pk of the 上级党组织 of ``node``; ``None`` for the top of the platform's Party tree
    (the 国资中心's 党委 answers to the county committee, outside the platform) and for nodes
    that are not Party organisations.

    ``nodes`` holds at least the node's ancestors and the Party children of each ancestor
    enterprise, group or 国资中心 (``orgs.querysets.hierarchy_refs`` fetches exactly that)."""
    if node.kind not in PARTY_RANK and node.kind != OrgKind.PARTY_GROUP:
        return None
    by_pk = {n.pk: n for n in nodes}
    children: dict[int, list[TreeRef]] = {}
    for n in by_pk.values():
        if n.parent_pk is not None:
            children.setdefault(n.parent_pk, []).append(n)
    parent = by_pk.get(node.parent_pk) if node.parent_pk is not None else None
    if parent is None:
        return None
    if parent.kind not in ENTITY_KINDS:
        return parent.pk  # a branch in a 党委 or 党总支, a 党小组 in its branch
    # The node's own entity counts only when it holds a higher-ranked Party organisation
    # (a branch beside the enterprise's 党委); else the search starts one entity up.
    own = entity_party_org(children.get(parent.pk, []))
    if own is not None and own.pk != node.pk and PARTY_RANK[own.kind] > PARTY_RANK[node.kind]:
        return own.pk
    entity = by_pk.get(parent.parent_pk) if parent.parent_pk is not None else None
    while entity is not None:
        if entity.kind in ENTITY_KINDS:
            found = entity_party_org(children.get(entity.pk, []))
            if found is not None:
                return found.pk
        entity = by_pk.get(entity.parent_pk) if entity.parent_pk is not None else None
    return None


def is_entity_party_org(node: TreeRef, siblings: Iterable[TreeRef], parent_kind: str) -> bool:
    """Whether ``node`` is the Party organisation of the enterprise, group or 国资中心 it sits
    under (then its members are that unit's members, its sub-enterprises included)."""
    if parent_kind not in ENTITY_KINDS:
        return False
    own = entity_party_org([node, *siblings])
    return own is not None and own.pk == node.pk
