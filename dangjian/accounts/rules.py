"""Pure account rules (no ORM, no clock): passwords, grants and API tokens."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dangjian.core.rules import invisible_character_error

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


# --- API tokens -------------------------------------------------------------------------------
API_TOKEN_SCHEME = "Token"  # noqa: S105 (the Authorization scheme name, not a secret)
# Starts every token, so secret scanners and people recognise a leaked platform token.
API_TOKEN_MARK = "djt_"  # noqa: S105 (a fixed marker, not a secret)
API_TOKEN_PREFIX_LENGTH = 12  # characters kept in clear (the mark plus 8 random ones)
API_TOKEN_DAY_CHOICES = (30, 90, 180, 365)
API_TOKEN_ACTIVE_LIMIT = 10  # live tokens per account
API_TOKEN_NAME_MAX = 60
# How stale the recorded last use may get before a request writes it again.
API_TOKEN_TOUCH_SECONDS = 60


def token_day_choices(max_days: int) -> list[int]:
    """The expiry choices offered, never past the configured maximum (which is always offered)."""
    days = [d for d in API_TOKEN_DAY_CHOICES if d <= max_days]
    return days if max_days in days or max_days <= 0 else [*days, max_days]


def token_name_error(name: str) -> str | None:
    if not name:
        return "请填写令牌名称，例如用途或调用系统的名字"
    if len(name) > API_TOKEN_NAME_MAX:
        return f"令牌名称不能超过{API_TOKEN_NAME_MAX}个字符"
    return invisible_character_error(name, label="令牌名称")


def token_holder_error(*, admin_role: str, is_active: bool) -> str | None:
    """Why an account may not hold a token. 三员 accounts work only in a browser session with
    their second factor, so a bearer token would bypass it."""
    if admin_role:
        return "系统管理员、安全管理员、审计管理员账号不能持有 API 令牌"
    if not is_active:
        return "该账号已停用，不能创建 API 令牌"
    return None


@dataclass(frozen=True)
class TokenUse:
    """What authentication knows about a presented token and its account."""

    expires_at: datetime
    revoked: bool
    admin_role: str
    is_active: bool
    valid_until: date | None
    locked: bool
    must_change_password: bool
    password_changed_at: datetime | None


def token_use_refusal(
    use: TokenUse, now: datetime, policy: PasswordPolicy, *, today: date
) -> tuple[str, str]:
    """``(kind, message)`` when a valid-looking token must not authenticate, else ``("", "")``.
    ``kind`` is ``"auth"`` (401: the credential is unusable) or ``"password"`` (403: the account
    must change its password in the browser first). ``today`` is the platform's local date: an
    account valid until a day stays valid through that day in China, not until 08:00 UTC."""
    if use.revoked:
        return "auth", "API 令牌已撤销"
    if use.expires_at <= now:
        return "auth", "API 令牌已过期，请在个人信息页面重新创建"
    if use.admin_role:
        return "auth", "系统管理员、安全管理员、审计管理员账号不能使用 API 令牌"
    if not use.is_active or (use.valid_until is not None and use.valid_until < today):
        return "auth", "账号已停用或已过有效期，API 令牌不可用"
    if use.locked:
        return "auth", "账号因多次登录失败已被锁定，API 令牌暂不可用"
    if use.must_change_password or password_expired(use.password_changed_at, now, policy):
        return "password", "须先登录网站修改密码，之后才能使用 API 令牌"
    return "", ""


def token_touch_due(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or (now - last_used_at).total_seconds() >= API_TOKEN_TOUCH_SECONDS


def token_status(*, revoked: bool, expires_at: datetime, now: datetime) -> str:
    if revoked:
        return "已撤销"
    return "已过期" if expires_at <= now else "有效"
