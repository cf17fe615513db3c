"""What can be done to the member registry, and by which roles."""

from __future__ import annotations

from dangjian.core.permissions import KEEPERS, Role, declare_actions


class MemberAction:
    VIEW = "member.view"
    ADD = "member.add"
    CHANGE = "member.change"
    REVEAL = "member.reveal_id"
    EXPORT = "member.export"
    IMPORT = "member.import"
    # 我的党员信息: the account's own record (the link decides which; the role shows the entry).
    SELF = "member.self"


declare_actions(
    {
        # Personal data: only those who keep the registry, the county, and observers (read-only).
        MemberAction.VIEW: KEEPERS | {Role.OBSERVER},
        MemberAction.ADD: KEEPERS,
        MemberAction.CHANGE: KEEPERS,
        MemberAction.REVEAL: {Role.SECRETARY, Role.CLERK},
        MemberAction.EXPORT: KEEPERS,
        MemberAction.IMPORT: KEEPERS,
        MemberAction.SELF: {Role.MEMBER},
    },
    reveals_identity=[MemberAction.REVEAL],
)
