"""What can be done to committees and enterprise leadership, and by which roles."""

from __future__ import annotations

from dangjian.core.permissions import KEEPERS, declare_actions


class GovernanceAction:
    CHANGE = "governance.change"


declare_actions({GovernanceAction.CHANGE: KEEPERS})
