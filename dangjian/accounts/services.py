"""Writes to accounts, grants and API tokens, each with its audit entry in the same transaction."""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import ApiToken, Grant, PasswordHistory, SecurityPolicy, User
from dangjian.accounts.permissions import AccountAction
from dangjian.accounts.rules import (
    API_TOKEN_ACTIVE_LIMIT,
    API_TOKEN_MARK,
    API_TOKEN_PREFIX_LENGTH,
    grant_error,
    inactive_since,
    token_day_choices,
    token_holder_error,
    token_name_error,
    token_touch_due,
    username_error,
)
from dangjian.core import audit, clock
from dangjian.core.actors import Actor, SystemActor, require_actor
from dangjian.core.crypto import sm3_hex
from dangjian.core.errors import NotAllowed
from dangjian.core.permissions import (
    ADMIN_ROLES,
    BUSINESS_ROLES,
    Role,
    has_platform_scope,
    identity_roles,
    roles_for,
)
from dangjian.core.rules import invisible_character_error
from dangjian.orgs.models import OrgNode


def require_admin_authority(actor: Actor, action: str) -> None:
    """The service's own gate for 三员 work (``AccountAction.MANAGE``, ``SECURITY_MANAGE``):
    the view checks first, this holds when it does not. The rule table decides, as everywhere.

    An operator's command on the server acts as a named ``SystemActor`` (demo loader, factories);
    a missing actor is a programming error, never a silent pass."""
    require_actor(actor)
    if isinstance(actor, SystemActor):
        return
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("请先登录")
    if not has_platform_scope(actor, action):
        labels = "、".join(sorted(Role(role).label for role in roles_for(action)))
        raise NotAllowed(f"只有{labels}可以执行此操作")


def _person(actor: Actor) -> User | None:
    """The account behind ``actor`` for a "by whom" column; none for a system actor."""
    return actor if isinstance(actor, User) else None


def generate_initial_password(length: int = 16) -> str:
    """A random one-time password that satisfies every character class."""
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "!@#$%^&*-_"]
    chars = [secrets.choice(pool) for pool in pools]
    chars += [secrets.choice("".join(pools)) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


@transaction.atomic
def create_account(
    *,
    actor: Actor,
    username: str,
    full_name: str,
    admin_role: str = "",
    password: str | None = None,
    must_change_password: bool = True,
    totp_required: bool = False,
    now: datetime | None = None,
) -> tuple[User, str]:
    """Create an account; returns it with its initial password (shown once, never stored)."""
    require_admin_authority(actor, AccountAction.MANAGE)
    username = username.strip()
    message = username_error(username)
    if message:
        raise ValidationError({"username": message})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在"})
    if admin_role and admin_role not in ADMIN_ROLES:
        raise ValidationError({"admin_role": "管理角色无效"})
    message = invisible_character_error(full_name, label="姓名")
    if message:
        raise ValidationError({"full_name": message})
    password = password or generate_initial_password()
    user = User(
        username=username,
        full_name=full_name.strip(),
        admin_role=admin_role,
        must_change_password=must_change_password,
        totp_required=totp_required or bool(admin_role),
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.password_changed_at = now or clock.now()
    user.save()
    audit.record(
        "accounts.user.create",
        actor=actor,
        obj=user,
        changes={"username": username, "admin_role": admin_role, "full_name": user.full_name},
    )
    return user, password


@transaction.atomic
def grant_role(
    *, actor: Actor, user: User, role: str, node: OrgNode, include_descendants: bool = True
) -> Grant:
    require_admin_authority(actor, AccountAction.MANAGE)
    if role not in BUSINESS_ROLES:
        raise ValidationError({"role": "只能授予业务角色；三员管理角色在账号上设置"})
    if user.admin_role:
        raise ValidationError(
            {"user": "系统管理员、安全管理员、审计管理员不能再持有业务授权（三权分立）"}
        )
    problem = grant_error(
        role=role,
        node_kind=node.kind,
        node_dissolved=node.dissolved_on is not None,
        reveal_roles=identity_roles(),
    )
    if problem is not None:
        raise ValidationError({problem[0]: problem[1]})
    if Grant.objects.filter(user=user, role=role, node=node).exists():
        raise ValidationError({"role": "该账号在此组织上已有此角色"})
    grant = Grant.objects.create(
        user=user, role=role, node=node, include_descendants=include_descendants
    )
    audit.record(
        "accounts.grant.create",
        actor=actor,
        obj=grant,
        org_path=node.path,
        changes={
            "user": user.username,
            "role": role,
            "node": node.code,
            "include_descendants": include_descendants,
        },
    )
    return grant


@transaction.atomic
def revoke_grant(grant: Grant, *, actor: Actor) -> None:
    require_admin_authority(actor, AccountAction.MANAGE)
    audit.record(
        "accounts.grant.revoke",
        actor=actor,
        obj=grant,
        org_path=grant.node.path,
        changes={"user": grant.user.username, "role": grant.role, "node": grant.node.code},
    )
    grant.delete()


@transaction.atomic
def change_password(
    user: User, *, new_password: str, actor: Actor, now: datetime | None = None
) -> None:
    """Set a new password after the policy (history included) accepted it."""
    require_actor(actor)
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = now or clock.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record("accounts.password.change", actor=actor, obj=user)


def start_totp_enrolment(user: User) -> TOTPDevice:
    """An unconfirmed device to show as a QR code; it only counts once a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)
    return device


@transaction.atomic
def confirm_totp(user: User, device: TOTPDevice, *, token: str, actor: Actor) -> bool:
    require_actor(actor)
    if not device.verify_token(token):
        audit.record("accounts.totp.enrol", actor=actor, obj=user, outcome="failure")
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record("accounts.totp.enrol", actor=actor, obj=user)
    return True


POLICY_FIELDS = ("min_length", "min_classes", "max_age_days", "history", "inactive_days")


def get_policy() -> SecurityPolicy:
    """The policy row, seeded from settings the first time it is asked for."""
    from dangjian.accounts.validators import current_policy

    row = SecurityPolicy.objects.filter(pk=1).first()
    if row is None:
        seed = current_policy()
        row = SecurityPolicy(
            pk=1,
            min_length=seed.min_length,
            min_classes=seed.min_classes,
            max_age_days=seed.max_age_days,
            history=seed.history,
        )
    return row


@transaction.atomic
def update_policy(*, actor: Actor, values: dict[str, Any]) -> SecurityPolicy:
    require_admin_authority(actor, AccountAction.SECURITY)
    row = get_policy()
    before = {f: getattr(row, f) for f in POLICY_FIELDS} if row.pk and row.updated_at else {}
    for field in POLICY_FIELDS:
        setattr(row, field, values[field])
    row.save()
    audit.record(
        "accounts.policy.update",
        actor=actor,
        obj=row,
        changes=audit.diff(before, {f: getattr(row, f) for f in POLICY_FIELDS}),
    )
    return row


@transaction.atomic
def unlock_account(*, actor: Actor, username: str) -> int:
    require_admin_authority(actor, AccountAction.SECURITY)
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(username=username)
    count = attempts.count()
    attempts.delete()
    audit.record(
        "accounts.user.unlock",
        actor=actor,
        object_repr=username,
        changes={"username": username, "attempts_cleared": count},
    )
    return count


@transaction.atomic
def disable_inactive_accounts(*, now: Any, actor: Actor) -> list[str]:
    """Disable accounts unused for the policy's number of days (等保: 及时清理多余账户)."""
    require_admin_authority(actor, AccountAction.MANAGE)
    days = get_policy().inactive_days
    disabled = []
    for account in User.objects.filter(is_active=True).only(
        "id", "username", "last_login", "date_joined", "valid_until"
    ):
        # The local date: valid through its last day in China (``now`` is UTC).
        expired = account.valid_until is not None and account.valid_until < timezone.localdate(now)
        if expired or inactive_since(account.last_login, account.date_joined, now, days):
            User.objects.filter(pk=account.pk).update(is_active=False)
            audit.record(
                "accounts.user.disable",
                actor=actor,
                obj=account,
                changes={"reason": "expired" if expired else f"inactive>{days}d"},
            )
            disabled.append(account.username)
    return disabled


# --- API tokens -------------------------------------------------------------------------------
def api_token_digest(token: str) -> str:
    """What the database keeps of a token (SM3 through the platform's crypto module). Tokens are
    256 random bits, so a fast unsalted hash is enough: there is nothing to guess offline."""
    return sm3_hex(token.encode("utf-8"))


def may_manage_any_tokens(actor: Actor) -> bool:
    """系统管理员 creates tokens for other accounts and revokes any; others manage their own."""
    return has_platform_scope(actor, AccountAction.MANAGE)


def _may_manage_tokens_of(actor: Actor, user: User) -> bool:
    require_actor(actor)
    return actor.pk == user.pk or may_manage_any_tokens(actor)


@transaction.atomic
def create_api_token(
    *, actor: Actor, user: User, name: str, days: int, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with the clear token, which is never stored."""
    if not _may_manage_tokens_of(actor, user):
        raise PermissionDenied("只能为自己创建 API 令牌；为他人创建须由系统管理员操作")
    now = now or clock.now()
    name = name.strip()
    errors: dict[str, str] = {}
    holder = token_holder_error(admin_role=user.admin_role, is_active=user.is_active)
    if holder:
        errors["user"] = holder
    problem = token_name_error(name)
    if problem:
        errors["name"] = problem
    if days not in token_day_choices(settings.API_TOKEN_MAX_DAYS):
        errors["days"] = f"有效期须从给定选项中选择，最长{settings.API_TOKEN_MAX_DAYS}天"
    # Lock the account row so two concurrent creations cannot both slip under the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    if live.count() >= API_TOKEN_ACTIVE_LIMIT:
        errors.setdefault(
            "name", f"每个账号最多{API_TOKEN_ACTIVE_LIMIT}个有效令牌，请先撤销不用的令牌"
        )
    elif name and live.filter(name=name).exists():
        # Names tell tokens apart in the list; this also stops a resubmitted form (the page that
        # shows a new token once answers a POST) from silently making a second token.
        errors.setdefault("name", f"已有名为“{name}”的有效令牌，请换一个名称或先撤销它")
    if errors:
        raise ValidationError(errors)
    clear = API_TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=clear[:API_TOKEN_PREFIX_LENGTH],
        digest=api_token_digest(clear),
        created_at=now,
        created_by=_person(actor),
        expires_at=now + timedelta(days=days),
    )
    audit.record(
        "accounts.token.create",
        actor=actor,
        obj=token,
        changes={
            "user": user.username,
            "name": name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, clear


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: Actor, now: datetime | None = None) -> ApiToken:
    if not _may_manage_tokens_of(actor, token.user):
        raise PermissionDenied("只能撤销自己的 API 令牌")
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError({"token": "该令牌已撤销"})
    token.revoked_at = now or clock.now()
    token.revoked_by = _person(actor)
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        "accounts.token.revoke",
        actor=actor,
        obj=token,
        changes={"user": token.user.username, "name": token.name, "prefix": token.prefix},
    )
    return token


def record_api_token_use(token: ApiToken, *, now: datetime) -> None:
    """Stamp the last use, at most once a minute: a write per API call would double its cost.
    A usage stamp like ``last_login``, not a change of state, so it is not audited."""
    if token_touch_due(token.last_used_at, now):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- account administration (系统管理员) ------------------------------------------------------
@transaction.atomic
def set_account_active(*, actor: Actor, user: User, active: bool) -> User:
    """Disable or enable an account. A disabled account cannot sign in, and a session it already
    holds ends at its next request (Django's backend refuses inactive accounts). No one
    disables their own account: the last 系统管理员 could lock everyone out."""
    require_admin_authority(actor, AccountAction.MANAGE)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not active and _person(actor) is not None and actor.pk == locked.pk:
        raise ValidationError({"user": "不能停用自己的账号"})
    if locked.is_active == active:
        raise ValidationError({"user": "该账号已启用" if active else "该账号已停用"})
    locked.is_active = active
    update = ["is_active"]
    if active:
        # Back in use from today: the inactivity sweep counts from here, not from the old login.
        locked.last_login = clock.now()
        update.append("last_login")
    locked.save(update_fields=update)
    audit.record(
        "accounts.user.enable" if active else "accounts.user.disable",
        actor=actor,
        obj=locked,
        changes={"username": locked.username, "reason": "manual"},
    )
    return locked


@transaction.atomic
def reset_password(*, actor: Actor, user: User, now: datetime | None = None) -> tuple[User, str]:
    """A new one-time password for someone who lost theirs: shown once to the 系统管理员,
    never stored in clear; the holder must change it at the next sign-in. One's own password
    is changed on the password page instead."""
    require_admin_authority(actor, AccountAction.MANAGE)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if _person(actor) is not None and actor.pk == locked.pk:
        raise ValidationError({"user": "不能重置自己的密码，请在“修改密码”页面修改"})
    password = generate_initial_password()
    if locked.password:
        PasswordHistory.objects.create(user=locked, password=locked.password)
    locked.set_password(password)
    locked.must_change_password = True
    locked.password_changed_at = now or clock.now()
    locked.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record(
        "accounts.password.reset", actor=actor, obj=locked, changes={"username": locked.username}
    )
    return locked, password


def grants_over(node: OrgNode) -> dict[str, list[Any]]:
    """Who holds which role over ``node``: grants on it, and grants on an ancestor that reach
    down to it (含下级); with the ancestors, top first. Two queries."""
    step = OrgNode.steplen
    above = [node.path[: step * depth] for depth in range(1, node.depth)]
    ancestors = list(
        OrgNode.objects.filter(path__in=above).only("id", "name", "code").order_by("depth")
    )
    rows = (
        Grant.objects.filter(
            models.Q(node=node)
            | models.Q(node__in=[a.pk for a in ancestors], include_descendants=True)
        )
        .select_related("user", "node")
        .order_by("node__depth", "role", "user__username")
    )
    found: dict[str, list[Any]] = {"direct": [], "inherited": [], "ancestors": ancestors}
    for grant in rows:
        found["direct" if grant.node_id == node.pk else "inherited"].append(grant)
    return found
