"""Pure rules of the organisation tree: which kind may sit under which, and credit-code checks."""

from __future__ import annotations

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
