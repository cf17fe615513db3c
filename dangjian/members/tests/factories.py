"""Members and movements for tests, made through the services on any branch a test chooses."""

from __future__ import annotations

from datetime import date

from dangjian.core.actors import SystemActor
from dangjian.members import movements, services
from dangjian.members.models import Member, TransferIn
from dangjian.members.tests.helpers import data, new_id
from dangjian.orgs.models import OrgNode


def make_member(branch: OrgNode, **fields: object) -> Member:
    """A registered member of ``branch``; ``fields`` override ``helpers.data`` (name, phone …)."""
    return services.register_member(actor=SystemActor("tests"), org=branch, data=data(**fields))


def make_transfer_in(branch: OrgNode, *, name: str = "转入者") -> TransferIn:
    """A pending transfer into ``branch`` from outside the county."""
    return movements.receive_transfer_in(
        actor=SystemActor("tests"),
        org=branch,
        name=name,
        id_number=new_id(),
        from_org="外县",
        letter_no="L-1",
        received_on=date(2026, 11, 1),
        admitted_on=date(2015, 6, 1),
        full_on=date(2016, 6, 1),
    )
