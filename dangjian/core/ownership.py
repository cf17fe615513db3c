"""The abstract bases every organisation-owned model inherits (ADR 0020).

A row is organisation-owned when it belongs to one node of the tree and is read through scope.
``OrgOwned`` rows name their node (``org``); ``OwnedViaParent`` rows reach it through a parent
they belong to (a seat through its term: ``term__org``). Either way the model declares once how
its node's path and id are reached (``scope_path_field`` / ``scope_pk_field``), and the scoped
manager, ``version`` and the created/updated stamps come with the base.
``core/tests/test_ownership.py`` fails for a model that points at the tree and uses neither.

Core names the tree by its label (``"orgs.OrgNode"``): a lazy reference Django resolves once
every app is loaded, so core imports no domain app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models

from dangjian.core import clock
from dangjian.core.scoping import ScopedQuerySet

STALE_MESSAGE = "记录已被他人修改，请刷新后重试"


class Scoped(models.Model):
    """What every owned row carries: the scoped manager, ``version`` and its stamps.

    ``created_at`` defaults to the platform clock rather than ``auto_now_add`` so that a caller
    holding one instant (a job, an import) can stamp its rows with it."""

    scope_path_field: ClassVar[str]
    scope_pk_field: ClassVar[str]

    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", default=clock.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class OrgOwned(Scoped):
    """A row that names its node. A model may redeclare ``org`` for its own label and reverse
    name; the target (the tree) and ``PROTECT`` are held by the ownership meta-test."""

    scope_path_field = "org__path"
    scope_pk_field = "org_id"

    org = models.ForeignKey(
        "orgs.OrgNode", verbose_name="所属组织", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class OwnedViaParent(Scoped):
    """A row that belongs to an owned parent and follows its node: the subclass declares the
    lookups through the parent, e.g. ``scope_path_field = "member__org__path"`` and
    ``scope_pk_field = "member__org_id"``."""

    class Meta:
        abstract = True


def owner_lookup(model: type[models.Model]) -> str:
    """The relation path from ``model`` to its owning node (``org``, ``member__org``)."""
    path_field: str = getattr(model, "scope_path_field", "")
    if not path_field.endswith("__path"):
        raise LookupError(f"{model._meta.label} does not say how its owning node is reached")
    return path_field.removesuffix("__path")


def ensure_version(
    row: Any,
    expected_version: int,
    *,
    field: str = "__all__",
    message: str = STALE_MESSAGE,
) -> None:
    """Refuse early, before other checks, when the row already moved past what the editor read."""
    if row.version != expected_version:
        raise ValidationError({field: message})


def save_versioned(
    row: Any,
    *,
    expected_version: int,
    fields: Iterable[str] | None = None,
    field: str = "__all__",
    message: str = STALE_MESSAGE,
) -> None:
    """Write ``row`` (or only ``fields``, plus ``updated_at``) as one
    ``UPDATE … WHERE pk = ? AND version = ?`` that also bumps ``version``; when no row matched,
    someone else saved first and a ``ValidationError`` keyed to ``field`` says so.

    The compare is in the statement, so it holds on every backend, row lock or not."""
    wanted = None if fields is None else {*fields, "updated_at"}
    values: dict[str, Any] = {}
    for column in row._meta.concrete_fields:
        if column.primary_key or column.name == "version":
            continue
        if wanted is None or column.name in wanted:
            values[column.attname] = column.pre_save(row, add=False)
    values["version"] = expected_version + 1
    manager = type(row)._base_manager
    if not manager.filter(pk=row.pk, version=expected_version).update(**values):
        raise ValidationError({field: message})
    row.version = expected_version + 1
