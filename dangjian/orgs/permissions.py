"""What can be done to the organisation tree, and by which roles."""

from __future__ import annotations

from dangjian.core.permissions import KEEPERS, READERS, Role, declare_actions


class OrgAction:
    VIEW = "org.view"
    ADD = "org.add"
    CHANGE = "org.change"
    MOVE = "org.move"
    DISSOLVE = "org.dissolve"
    COUNTY_SETTINGS = "county.settings"


declare_actions(
    {
        # 系统管理员 sees the tree (names only matter to it) so it can place grants.
        OrgAction.VIEW: READERS | {Role.SYSADMIN},
        OrgAction.ADD: KEEPERS,
        OrgAction.CHANGE: KEEPERS,
        OrgAction.MOVE: {Role.SUPERVISOR},
        OrgAction.DISSOLVE: {Role.SUPERVISOR},
        OrgAction.COUNTY_SETTINGS: {Role.SUPERVISOR},
    }
)
