"""What can be done to committees and enterprise leadership, and by which roles."""

from __future__ import annotations

from dangjian.core.permissions import KEEPERS, READERS, declare_actions


class GovernanceAction:
    VIEW = "governance.view"
    CHANGE = "governance.change"


# Committees and leadership are business data: the business roles read them, 三员 accounts do
# not (系统管理员 sees the tree's names through org.view, nothing more).
declare_actions({GovernanceAction.VIEW: READERS, GovernanceAction.CHANGE: KEEPERS})
