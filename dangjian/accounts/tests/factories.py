"""Accounts for tests, made through the services, on any node a test chooses.

``make_account("ct_clerk", role="clerk", node=branch)`` gives a ready business account (no forced
password change); tests say which scope they need instead of borrowing a demo login's.
"""

from __future__ import annotations

from itertools import count

from dangjian.accounts.models import User
from dangjian.accounts.services import create_account, grant_role
from dangjian.core.actors import SystemActor
from dangjian.orgs.models import OrgNode

PASSWORD = "Factory-Passw0rd!"
_serial = count(1)


def make_account(
    username: str = "",
    *,
    role: str = "",
    node: OrgNode | None = None,
    admin_role: str = "",
    full_name: str = "测试账号",
) -> User:
    """A business account with one grant (``role`` on ``node`` and below), or a 三员 account."""
    user, _ = create_account(
        actor=SystemActor("tests"),
        username=username or f"factory_user{next(_serial)}",
        full_name=full_name,
        admin_role=admin_role,
        password=PASSWORD,
        must_change_password=False,
    )
    if role:
        assert node is not None, "a business role needs the node it is granted on"
        grant_role(actor=SystemActor("tests"), user=user, role=role, node=node)
    return user
