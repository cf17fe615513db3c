from __future__ import annotations

from typing import Any, Self

from treebeard.mp_tree import MP_NodeManager, MP_NodeQuerySet

from dangjian.core.scoping import ScopedQuerySet


class OrgNodeQuerySet(ScopedQuerySet, MP_NodeQuerySet):
    """The tree is scoped by its own path (``OrgNode.scope_path_field``)."""

    def active(self) -> Self:
        return self.filter(dissolved_on__isnull=True)


class OrgNodeManager(MP_NodeManager.from_queryset(OrgNodeQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> Any:
        return OrgNodeQuerySet(self.model, using=self._db).order_by("path")
