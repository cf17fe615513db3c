"""Pure password-policy rules (no ORM): what makes a password acceptable."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime, timedelta

RESERVED_USERNAMES = frozenset(
    {"admin", "administrator", "root", "test", "guest", "system", "sa", "user", "demo", "superuser"}
)


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    min_classes: int = 3
    max_age_days: int = 90
    history: int = 5


def character_classes(password: str) -> int:
    classes = (
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    )
    return sum(classes)


def password_errors(password: str, *, username: str, policy: PasswordPolicy) -> list[str]:
    errors = []
    if len(password) < policy.min_length:
        errors.append(f"密码长度至少{policy.min_length}位")
    if character_classes(password) < policy.min_classes:
        errors.append(f"密码须包含大写字母、小写字母、数字、特殊字符中的至少{policy.min_classes}类")
    if username and username.lower() in password.lower():
        errors.append("密码不能包含用户名")
    return errors


def username_error(username: str) -> str | None:
    if username.lower() in RESERVED_USERNAMES:
        return f"“{username}”是系统保留名称，不能用作用户名"
    return None


def password_expired(changed_at: datetime | None, now: datetime, policy: PasswordPolicy) -> bool:
    """Past the maximum age; a password never stamped (legacy import) counts as expired."""
    if policy.max_age_days <= 0:
        return False
    if changed_at is None:
        return True
    return now - changed_at > timedelta(days=policy.max_age_days)


def inactive_since(last_login: datetime | None, joined: datetime, now: datetime, days: int) -> bool:
    """Unused for ``days``: counted from the last login, or from creation if never used."""
    if days <= 0:
        return False
    return now - (last_login or joined) > timedelta(days=days)


# Node kinds too broad for a role that can read full ID numbers: one such grant would open the
# whole county's (or a 集团's) registry to a single account.
WIDE_KINDS = frozenset({"supervisor", "group"})


def grant_error(
    *, role: str, node_kind: str, node_dissolved: bool, reveal_roles: frozenset[str]
) -> tuple[str, str] | None:
    """Why a business grant may not be placed on a node, as (field, message), or ``None``."""
    if node_dissolved:
        return "node", "该组织已撤销，不能在已撤销的组织上授权"
    if role in reveal_roles and node_kind in WIDE_KINDS:
        return (
            "node",
            "党组织书记、党务工作者可以查看完整身份证号码，只能授权到企业或党组织，"
            "不能授权到国资中心或集团",
        )
    return None


def account_locked(
    worst_address: int, per_account: int, *, address_limit: int, account_limit: int
) -> bool:
    """Whether a username is locked from every address.

    ``worst_address`` is its highest failure count from any one address, ``per_account`` its
    failures summed over all addresses. Concentrated guessing locks at ``address_limit`` from
    one address, spread guessing at ``account_limit`` in total (0 turns that cap off); either
    way the right password from another address is refused too."""
    return worst_address >= address_limit or (0 < account_limit <= per_account)
