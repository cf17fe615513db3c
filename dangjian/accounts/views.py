from __future__ import annotations

import base64
from io import BytesIO
from typing import Any, cast

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts import services
from dangjian.accounts.forms import (
    AccountCreateForm,
    ApiTokenForm,
    GrantForm,
    LoginForm,
    PasswordChangeForm,
    SecurityPolicyForm,
    TokenForm,
    UnlockForm,
)
from dangjian.accounts.middleware import PASSWORD_EXPIRED_KEY
from dangjian.accounts.models import ApiToken, Grant, User
from dangjian.accounts.permissions import AccountAction
from dangjian.accounts.rules import token_holder_error, token_status
from dangjian.core import clock
from dangjian.core.generic import (
    ConfirmActionView,
    ScopedDetailView,
    ScopedListView,
    ScopedView,
    ServiceFormView,
)
from dangjian.orgs.models import OrgNode


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Signs out, then says so on the sign-in page (the message lives in the new session)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, "您已安全退出。")
        return response


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


class OwnAccount(ScopedView):
    """Self-service pages act on the signed-in account itself: no role or tree decides, only
    being signed in (ADR 0022, pages outside the tree override ``get_object``)."""

    def get_object(self) -> Any:
        return cast(User, self.request.user)


class PasswordChangeView(OwnAccount, ServiceFormView):
    template_name = "accounts/password_change.html"
    success_message = "密码已修改"

    def get_form(self, obj: User) -> forms.BaseForm:
        return PasswordChangeForm(obj, self.request.POST or None)

    def run(self, obj: User, actor: Any, data: dict[str, Any]) -> Any:
        return services.change_password(
            obj, new_password=data["new_password1"], actor=actor, now=clock.now()
        )

    def success_response(self, obj: User, result: Any) -> HttpResponse:
        update_session_auth_hash(self.request, obj)
        self.request.session.pop(PASSWORD_EXPIRED_KEY, None)
        return super().success_response(obj, result)

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("home")

    def get_context(self, obj: User) -> dict[str, Any]:
        expired = bool(self.request.session.get(PASSWORD_EXPIRED_KEY))
        return {"forced": obj.must_change_password or expired}


password_change = PasswordChangeView.as_view()


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class OtpEnrolView(ServiceFormView):
    """Bind an authenticator app: the object is the account's device awaiting confirmation."""

    form_class = TokenForm
    template_name = "accounts/otp_enrol.html"
    success_message = "动态口令已绑定"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A bound device is verified first, not replaced: is_verified() is django-otp's.
        verified = request.user.is_verified()  # type: ignore[union-attr]
        if _confirmed_device(request.user) is not None and not verified:
            return redirect("accounts:otp_verify")
        return super().dispatch(request, *args, **kwargs)

    def get_object(self) -> TOTPDevice:
        return services.start_totp_enrolment(cast(User, self.request.user))

    def run(self, obj: TOTPDevice, actor: Any, data: dict[str, Any]) -> Any:
        user = cast(User, self.request.user)
        if not services.confirm_totp(user, obj, token=data["token"], actor=actor):
            raise ValidationError({"token": "动态口令不正确，请核对手机时间后重试"})

    def success_response(self, obj: TOTPDevice, result: Any) -> HttpResponse:
        otp_login(self.request, obj)
        return super().success_response(obj, result)

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("home")

    def get_context(self, obj: TOTPDevice) -> dict[str, Any]:
        return {
            "qr": _qr_data_uri(obj.config_url),
            "secret": base64.b32encode(obj.bin_key).decode(),
            "required": cast(User, self.request.user).needs_second_factor,
        }


otp_enrol = OtpEnrolView.as_view()


def _safe_next(request: HttpRequest) -> str:
    """``?next=`` only when it is a path on this site; anything else goes home. Always a URL,
    never a view name, so odd text cannot turn into a failed reverse()."""
    target = request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


class OtpVerifyView(ServiceFormView):
    """The second step of signing in: the code from the account's bound device."""

    form_class = TokenForm
    template_name = "accounts/otp_verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.device = _confirmed_device(request.user)
        if self.device is None:
            return redirect("accounts:otp_enrol")
        return super().dispatch(request, *args, **kwargs)

    def get_object(self) -> TOTPDevice | None:
        return self.device

    def run(self, obj: TOTPDevice, actor: Any, data: dict[str, Any]) -> Any:
        if not obj.verify_token(data["token"]):
            from dangjian.core import audit

            audit.record("auth.otp_failed", actor=actor, obj=actor, outcome="failure")
            raise ValidationError({"token": "动态口令不正确"})

    def success_response(self, obj: TOTPDevice, result: Any) -> HttpResponse:
        otp_login(self.request, obj)
        return self.redirect(_safe_next(self.request))


otp_verify = OtpVerifyView.as_view()


class ProfileView(OwnAccount, ScopedDetailView):
    """The account's grants, second factor and API tokens."""

    template_name = "accounts/profile.html"
    context_object_name = "account"

    def get_context(self, obj: User) -> dict[str, Any]:
        return profile_context(obj, None)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # As the function view answered: a POST is read like GET.
        return self.get(request, *args, **kwargs)


def profile_context(user: User, token_form: ApiTokenForm | None) -> dict[str, Any]:
    from dangjian.core.permissions import user_grants

    return {
        "grants": user_grants(user),
        "has_device": _confirmed_device(user) is not None,
        **_token_context(user, token_form),
    }


profile = ProfileView.as_view()


class UserListView(ScopedListView):
    """系统管理员: every account with its grants (accounts live outside the tree), on one page."""

    queryset = User.objects.order_by("username").prefetch_related("grants__node")
    action = AccountAction.MANAGE
    tree_scoped = False
    template_name = "accounts/user_list.html"
    nav_active = "accounts"

    def list_context(self, rows: Any) -> dict[str, Any]:
        return {"users": rows}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # As the function view answered: a POST is checked and read like GET.
        return self.get(request, *args, **kwargs)


user_list = UserListView.as_view()


class UserCreateView(ServiceFormView):
    """系统管理员 creates an account; the success page shows its one-time password once."""

    action = AccountAction.MANAGE
    form_class = AccountCreateForm
    template_name = "accounts/user_form.html"
    nav_active = "accounts"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.create_account(actor=actor, **data, now=clock.now())

    def success_response(self, obj: Any, result: Any) -> HttpResponse:
        user, password = result
        context = {"new_user": user, "password": password}
        return self.render_page(context, "accounts/user_created.html")

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("accounts:user_list")  # the cancel link (the form page shows none)


user_create = UserCreateView.as_view()


class _AccountAdmin(ServiceFormView):
    """系统管理员 pages: accounts live outside the organisation tree, so the role alone decides
    and the account is looked up directly (``ACCOUNT_MANAGE`` is system-wide)."""

    queryset = User.objects.all()
    action = AccountAction.MANAGE
    tree_scoped = False
    nav_active = "accounts"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("accounts:user_list")


class GrantAddView(_AccountAdmin):
    form_class = GrantForm
    template_name = "accounts/grant_form.html"

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        node = OrgNode.objects.filter(code=data["node"].strip()).first()
        if node is None:
            raise ValidationError({"node": "组织编码不存在"})
        return services.grant_role(
            actor=actor,
            user=obj,
            role=data["role"],
            node=node,
            include_descendants=data["include_descendants"],
        )

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已为“{obj}”授权"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("accounts:user_detail", args=[obj.pk])

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {"target": obj}


class GrantRevokeView(ConfirmActionView):
    """Ask first (GET), then take the grant away (POST): the account keeps its other grants."""

    queryset = Grant.objects.select_related("user", "node")
    action = AccountAction.MANAGE
    tree_scoped = False
    pk_url_kwarg = "grant_pk"
    template_name = "accounts/grant_revoke.html"
    nav_active = "accounts"

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(user_id=self.kwargs["pk"])  # a grant of this account

    def run(self, obj: Any, actor: Any) -> Any:
        return services.revoke_grant(obj, actor=actor)

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已撤销“{obj.user}”在“{obj.node.name}”的{obj.get_role_display()}授权"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("accounts:user_detail", args=[obj.user_id])

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {"grant": obj}


class SecurityPolicyView(ServiceFormView):
    action = AccountAction.SECURITY
    template_name = "accounts/security_policy.html"
    nav_active = "security"
    success_message = "安全策略已保存"

    def get_form(self, obj: Any) -> forms.BaseForm:
        return SecurityPolicyForm(self.request.POST or None, instance=services.get_policy())

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> Any:
        return services.update_policy(actor=actor, values=data)

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("accounts:security_policy")


class UserDetailView(ScopedDetailView):
    """系统管理员: one account, its grants (each with 撤销), its state and what can be done."""

    queryset = User.objects.all()
    action = AccountAction.MANAGE
    tree_scoped = False
    template_name = "accounts/user_detail.html"
    context_object_name = "account"
    nav_active = "accounts"

    def get_context(self, obj: User) -> dict[str, Any]:
        now = clock.now()
        return {
            "grants": list(obj.grants.select_related("node").order_by("node__path", "role")),
            "live_tokens": ApiToken.objects.filter(
                user=obj, revoked_at__isnull=True, expires_at__gt=now
            ).count(),
            "is_self": obj.pk == self.request.user.pk,
        }


class _AccountConfirm(ConfirmActionView):
    queryset = User.objects.all()
    action = AccountAction.MANAGE
    tree_scoped = False
    nav_active = "accounts"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("accounts:user_detail", args=[obj.pk])


class UserDisableView(_AccountConfirm):
    title = "停用账号"
    submit_label = "确认停用"
    template_name = "accounts/user_confirm.html"

    def run(self, obj: User, actor: Any) -> Any:
        return services.set_account_active(actor=actor, user=obj, active=False)

    def get_success_message(self, obj: User, result: Any) -> str:
        return f"已停用账号“{obj.username}”"

    def get_context(self, obj: User) -> dict[str, Any]:
        return {
            "question": f"停用账号“{obj.username}”（{obj.full_name or '未填写姓名'}）后，"
            "该账号立即不能登录，已登录的会话在下一次操作时结束；授权保留，重新启用后恢复。",
            "danger": True,
        }


class UserEnableView(_AccountConfirm):
    title = "启用账号"
    submit_label = "确认启用"
    template_name = "accounts/user_confirm.html"

    def run(self, obj: User, actor: Any) -> Any:
        return services.set_account_active(actor=actor, user=obj, active=True)

    def get_success_message(self, obj: User, result: Any) -> str:
        return f"已启用账号“{obj.username}”"

    def get_context(self, obj: User) -> dict[str, Any]:
        return {"question": f"重新启用账号“{obj.username}”？启用后可以用原密码登录。"}


class PasswordResetView(_AccountConfirm):
    """Ask first; the result page shows the one-time password once (never cached)."""

    title = "重置密码"
    submit_label = "确认重置"
    template_name = "accounts/user_confirm.html"

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return never_cache(super().as_view(**initkwargs))

    def run(self, obj: User, actor: Any) -> Any:
        return services.reset_password(actor=actor, user=obj, now=clock.now())

    def success_response(self, obj: User, result: Any) -> HttpResponse:
        user, password = result
        return self.render_page(
            {"new_user": user, "password": password}, "accounts/password_reset_done.html"
        )

    def get_context(self, obj: User) -> dict[str, Any]:
        return {
            "question": f"为账号“{obj.username}”生成一次性密码？原密码立即失效，"
            "本人下次登录须先修改密码。",
            "danger": True,
        }


class OrgGrantsView(ScopedView):
    """系统管理员: an organisation (by its code) and who holds which role over it, directly or
    through a grant on an ancestor that reaches down (含下级)."""

    action = AccountAction.MANAGE
    template_name = "accounts/org_grants.html"
    nav_active = "accounts"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_object()  # the role check (no object: accounts live outside the tree)
        code = request.GET.get("code", "").strip()[:40]
        node = OrgNode.objects.filter(code=code).first() if code else None
        context: dict[str, Any] = {"code": code, "node": node, "missing": bool(code) and not node}
        if node is not None:
            context.update(services.grants_over(node))
        return self.render_page(context)


user_detail = UserDetailView.as_view()
user_disable = UserDisableView.as_view()
user_enable = UserEnableView.as_view()
password_reset = PasswordResetView.as_view()
org_grants = OrgGrantsView.as_view()
grant_add = GrantAddView.as_view()
grant_revoke = GrantRevokeView.as_view()
security_policy = SecurityPolicyView.as_view()


class LockoutsView(ServiceFormView):
    """安全管理员: failed sign-ins by account and address; 解锁 clears an account's failures."""

    action = AccountAction.SECURITY
    template_name = "accounts/lockouts.html"
    nav_active = "security"

    def get_form(self, obj: Any) -> forms.BaseForm:
        # Every POST unlocks the name it carries (none: the empty name), as the buttons post it.
        return UnlockForm(self.request.POST if self.request.method == "POST" else None)

    def run(self, obj: Any, actor: Any, data: dict[str, Any]) -> tuple[str, int]:
        username = data["username"]
        return username, services.unlock_account(actor=actor, username=username)

    def get_success_message(self, obj: Any, result: tuple[str, int]) -> str:
        username, count = result
        return f"已解除“{username}”的锁定（{count} 条记录）"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("accounts:lockouts")

    def get_context(self, obj: Any) -> dict[str, Any]:
        from axes.models import AccessAttempt

        from dangjian.accounts.lockout import accounts_with_failures

        return {
            "accounts": accounts_with_failures(),
            "attempts": AccessAttempt.objects.order_by("-attempt_time")[:200],
            "address_limit": settings.AXES_FAILURE_LIMIT,
            "account_limit": settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
        }


lockouts = LockoutsView.as_view()


# --- API tokens -------------------------------------------------------------------------------
def _token_context(holder: User, form: ApiTokenForm | None) -> dict[str, Any]:
    """The token list of ``holder`` and, when the account may hold tokens, the creation form."""
    now = clock.now()
    tokens = ApiToken.objects.filter(user=holder).select_related("revoked_by")
    return {
        "token_rows": [
            (t, token_status(revoked=t.revoked_at is not None, expires_at=t.expires_at, now=now))
            for t in tokens
        ],
        "token_refusal": token_holder_error(
            admin_role=holder.admin_role, is_active=holder.is_active
        ),
        "token_form": form or ApiTokenForm(),
    }


class _TokenCreate(ServiceFormView):
    """Make an API token for the page's account; the one-time page shows it in clear, once."""

    form_class = ApiTokenForm

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return never_cache(super().as_view(**initkwargs))  # the clear token: no cache keeps it

    def run(self, obj: User, actor: Any, data: dict[str, Any]) -> Any:
        return services.create_api_token(
            actor=actor, now=clock.now(), user=obj, name=data["name"], days=data["days"]
        )

    def success_response(self, obj: User, result: Any) -> HttpResponse:
        token, clear = result
        back = (
            reverse("accounts:profile")
            if obj.pk == self.request.user.pk
            else reverse("accounts:user_tokens", args=[obj.pk])
        )
        context = {"token": token, "clear_token": clear, "holder": obj, "back": back}
        return render(self.request, "accounts/token_created.html", context)


class TokenCreateView(OwnAccount, _TokenCreate):
    """From the profile: always for the signed-in account; a refusal re-renders the profile."""

    http_method_names = ["post"]
    template_name = "accounts/profile.html"

    def get_form(self, obj: Any) -> forms.BaseForm:
        return ApiTokenForm(self.request.POST)

    def show(self, obj: User, form: forms.BaseForm) -> HttpResponse:
        return self.render_page(profile_context(obj, cast(ApiTokenForm, form)))


class UserTokensView(_TokenCreate):
    """系统管理员: another account's tokens, and a token made for it."""

    queryset = User.objects.all()
    action = AccountAction.MANAGE
    tree_scoped = False
    template_name = "accounts/user_tokens.html"
    nav_active = "accounts"

    def show(self, obj: User, form: forms.BaseForm) -> HttpResponse:
        context = {"holder": obj, **_token_context(obj, cast(ApiTokenForm, form))}
        return self.render_page(context)


token_create = TokenCreateView.as_view()
user_tokens = UserTokensView.as_view()


class TokenRevokeView(ConfirmActionView):
    """The owner revokes their own token; 系统管理员 any. Anyone else's token is a 404."""

    http_method_names = ["post"]
    template_name = ""

    def get_object(self) -> ApiToken:
        request = self.request
        tokens = ApiToken.objects.select_related("user")
        if not services.may_manage_any_tokens(request.user):
            tokens = tokens.filter(user_id=cast(User, request.user).pk)
        try:
            return get_object_or_404(tokens, pk=self.kwargs["pk"])
        except Http404:
            from dangjian.core.api import record_denial_if_exists

            record_denial_if_exists(request, ApiToken.objects.all(), self.kwargs["pk"])
            raise

    def run(self, obj: ApiToken, actor: Any) -> Any:
        return services.revoke_api_token(obj, actor=actor, now=clock.now())

    def get_success_message(self, obj: ApiToken, result: Any) -> str:
        return f"已撤销令牌“{obj.name}”"

    def get_success_url(self, obj: ApiToken, result: Any) -> str:
        if obj.user_id == self.request.user.pk:
            return reverse("accounts:profile")
        return reverse("accounts:user_tokens", args=[obj.user_id])


token_revoke = TokenRevokeView.as_view()
