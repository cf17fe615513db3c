"""What the workbench shows, and to which roles."""

from __future__ import annotations

from dangjian.core.audit_display import declare_permission_labels
from dangjian.core.permissions import KEEPERS, Role, declare_actions


class WorkbenchAction:
    # The problem list: those who keep the records, the enterprise's leaders and the observers.
    PROBLEMS = "workbench.problems"


declare_actions({WorkbenchAction.PROBLEMS: KEEPERS | {Role.EXECUTIVE, Role.OBSERVER}})
declare_permission_labels({WorkbenchAction.PROBLEMS: "查看问题清单"})
