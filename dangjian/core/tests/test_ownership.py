"""Every organisation-owned model stands on the scoped base (``dangjian.core.ownership``).

The meta-test walks ``apps.get_models()``: a model pointing at the tree, or at a model that is
itself owned, or carrying a scoped manager, must inherit ``OrgOwned`` or ``OwnedViaParent`` —
unless it is listed below with the reason it is not data a node owns. Owned models are then
held to the base's promises: their scope lookups reach the tree's ``path`` and id, the owning
key is ``PROTECT`` (history is never deleted with a node), the manager is scoped.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.test.utils import isolate_apps

from dangjian.core.ownership import (
    STALE_MESSAGE,
    OrgOwned,
    Scoped,
    ensure_version,
    save_versioned,
)
from dangjian.core.scoping import ScopedQuerySet

NOT_OWNED = {
    "orgs.orgnode": "the tree itself, scoped by its own path",
    "orgs.enterpriseprofile": "the 企业 node's own facts (one-to-one), scoped with the node",
    "accounts.grant": "an access rule placed on a node, read by the scope code itself",
    "core.sealedperiod": "a seal over a subtree, looked up by the lineage of the node written to, "
    "never listed through scope; append-only, so no version",
}


def _tree() -> type[models.Model]:
    return apps.get_model("orgs", "OrgNode")


def _points_at_tree_or_owned(model: type[models.Model]) -> list[str]:
    tree = _tree()
    found = []
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)):
            continue
        target = field.related_model
        if isinstance(target, type) and (target is tree or issubclass(target, Scoped)):
            found.append(field.name)
    return found


def unowned(candidates: list[type[models.Model]]) -> list[str]:
    """Models that should stand on the base and do not, each with why it was picked."""
    offenders = []
    for model in candidates:
        label = model._meta.label_lower
        if issubclass(model, Scoped) or label in NOT_OWNED:
            continue
        reasons = [
            f"points at the tree or an owned model through {name!r}"
            for name in (_points_at_tree_or_owned(model))
        ]
        if isinstance(model._default_manager.all(), ScopedQuerySet):
            reasons.append("has a scoped manager")
        if reasons:
            offenders.append(f"{model._meta.label}: {'; '.join(reasons)}")
    return offenders


def _resolve(model: type[models.Model], lookup: str) -> tuple[type[models.Model], str]:
    """Follow ``a__b__c`` through relations: the model reached and the last name."""
    *hops, last = lookup.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model  # type: ignore[assignment]
    return model, last


def test_every_organisation_owned_model_uses_the_base() -> None:
    offenders = unowned(list(apps.get_models()))
    assert not offenders, (
        "inherit dangjian.core.ownership.OrgOwned (or OwnedViaParent), or list the model in "
        "NOT_OWNED with the reason:\n" + "\n".join(offenders)
    )


def test_the_allow_list_names_real_models_that_are_not_owned() -> None:
    for label in NOT_OWNED:
        model = apps.get_model(label)
        assert not issubclass(model, Scoped), f"{label} is owned now: drop it from NOT_OWNED"


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if issubclass(m, Scoped)],
    ids=lambda m: m._meta.label,
)
def test_owned_models_keep_the_promises_of_the_base(model: Any) -> None:
    tree = _tree()
    reached, last = _resolve(model, model.scope_path_field)
    assert reached is tree and last == "path", model.scope_path_field
    reached, last = _resolve(model, model.scope_pk_field)
    if last.endswith("_id"):  # the key column of the last hop
        field = reached._meta.get_field(last.removesuffix("_id"))
        assert field.related_model is tree, model.scope_pk_field
    else:
        assert reached is tree and last in ("pk", "id"), model.scope_pk_field
    assert isinstance(model._default_manager.all(), ScopedQuerySet)
    for name in ("version", "created_at", "updated_at"):
        model._meta.get_field(name)
    if issubclass(model, OrgOwned):
        org = model._meta.get_field("org")
        assert org.related_model is tree
        assert org.remote_field.on_delete is models.PROTECT, f"{model._meta.label}.org"


@isolate_apps("dangjian.core")
def test_the_meta_test_names_a_model_that_skips_the_base() -> None:
    tree = _tree()

    class Stray(models.Model):  # noqa: DJ008
        org = models.ForeignKey(tree, on_delete=models.PROTECT, related_name="+")

    class Scoped_(models.Model):  # noqa: DJ008
        objects = ScopedQuerySet.as_manager()

    class Fine(OrgOwned):
        pass

    assert unowned([Stray, Scoped_, Fine]) == [
        "core.Stray: points at the tree or an owned model through 'org'",
        "core.Scoped_: has a scoped manager",
    ]


def test_a_lookup_that_does_not_exist_is_refused() -> None:
    member = apps.get_model("members", "Member")
    with pytest.raises(FieldDoesNotExist):
        _resolve(member, "branch__path")


# Optimistic locking ---------------------------------------------------------------------------


def _a_node(db: Any) -> Any:
    from dangjian.orgs.tests.factories import make_party_org

    return make_party_org()


def test_save_versioned_writes_and_bumps(db: Any) -> None:
    node = _a_node(db)
    before = node.version
    stale = type(node).objects.get(pk=node.pk)
    node.name, node.short_name = "新名称", "不写"
    save_versioned(node, expected_version=before, fields=["name"])
    fresh = type(node).objects.get(pk=node.pk)
    assert (fresh.name, fresh.version, node.version) == ("新名称", before + 1, before + 1)
    assert fresh.short_name == stale.short_name  # only the named fields (and the stamp)
    assert fresh.updated_at >= stale.updated_at


def test_save_versioned_refuses_a_stale_copy_and_writes_nothing(db: Any) -> None:
    node = _a_node(db)
    mine, theirs = (type(node).objects.get(pk=node.pk) for _ in range(2))
    theirs.name = "他人先保存"
    save_versioned(theirs, expected_version=theirs.version)
    mine.name = "我的修改"
    with pytest.raises(ValidationError) as refused:
        save_versioned(mine, expected_version=mine.version, field="name")
    assert refused.value.message_dict == {"name": [STALE_MESSAGE]}
    assert type(node).objects.get(pk=node.pk).name == "他人先保存"


def test_ensure_version_refuses_early_with_the_callers_message(db: Any) -> None:
    node = _a_node(db)
    ensure_version(node, node.version)
    with pytest.raises(ValidationError) as refused:
        ensure_version(node, node.version - 1, message="该组织已被他人修改")
    assert refused.value.message_dict == {"__all__": ["该组织已被他人修改"]}
