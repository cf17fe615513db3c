"""Organisations for tests, made through the services, found by kind rather than demo code.

``make_party_org(parent)`` adds a 党支部 (or another Party kind) with a fresh code;
``a_party_committee()`` finds any 党委 the database holds, so a test needs no knowledge of the
demo county's codes.
"""

from __future__ import annotations

from itertools import count

from dangjian.core.actors import SystemActor
from dangjian.orgs import services
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import OrgNode

_serial = count(1)


def a_party_committee() -> OrgNode:
    found = OrgNode.objects.filter(kind=OrgKind.PARTY_COMMITTEE, dissolved_on__isnull=True).first()
    assert found is not None, "the test database holds no 党委 to build under"
    return found


def make_party_org(
    parent: OrgNode | None = None, *, kind: str = OrgKind.BRANCH, name: str = ""
) -> OrgNode:
    parent = parent or a_party_committee()
    number = next(_serial)
    return services.create_org(
        actor=SystemActor("tests"),
        parent=parent,
        kind=kind,
        code=f"{parent.code}-F{number}",
        name=name or f"测试{OrgKind(kind).label}{number}",
    )
