"""Where a user's scope starts on the tree: the top-most nodes they may act on.

Derived from the same reaches as ``visible_to`` and ``permits`` (``dangjian.core.scoping``), so the
tree page starts exactly where the user's visible nodes start. Lives beside the tree because it
returns nodes; core only knows paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from dangjian.core.scoping import reach_q, reaches, top_reaches
from dangjian.orgs.models import OrgNode


def scope_roots(user: Any, action: str, *, only: Sequence[str] = ()) -> list[OrgNode]:
    """The visible nodes none of whose ancestors is visible, by path (every root of the tree
    for platform scope). ``only`` limits the columns loaded."""
    nodes = OrgNode.objects.only(*only) if only else OrgNode.objects.all()
    found = reaches(user, action)
    if found is None:
        return list(nodes.filter(depth=1))
    # The top nodes themselves, not the subtrees below them.
    tops = [replace(reach, subtree=False) for reach in top_reaches(found)]
    if not tops:
        return []
    return list(nodes.filter(reach_q(tops, path_field="path", pk_field="pk")))


def scope_root(user: Any, action: str) -> OrgNode | None:
    """The highest node where the user may perform ``action`` (the root for platform scope):
    the shallowest of ``scope_roots``, the first by path among equals."""
    roots = scope_roots(user, action)
    return min(roots, key=lambda node: (node.depth, node.path)) if roots else None
