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
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
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
)
from dangjian.accounts.middleware import PASSWORD_EXPIRED_KEY
from dangjian.accounts.models import ApiToken, Grant, User
from dangjian.accounts.permissions import AccountAction
from dangjian.accounts.rules import token_holder_error, token_status
from dangjian.core import clock
from dangjian.core.forms import apply_service_errors
from dangjian.core.generic import ConfirmActionView, ScopedListView, ServiceFormView
from dangjian.core.views import require_action
from dangjian.orgs.models import OrgNode


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                user,
                new_password=form.cleaned_data["new_password1"],
                actor=user,
                now=clock.now(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            request.session.pop(PASSWORD_EXPIRED_KEY, None)
            messages.success(request, "密码已修改")
            return redirect("home")
    forced = user.must_change_password or bool(request.session.get(PASSWORD_EXPIRED_KEY))
    return render(request, "accounts/password_change.html", {"form": form, "forced": forced})


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    # is_verified() is attached by django-otp's OTPMiddleware.
    verified = request.user.is_verified()  # type: ignore[union-attr]
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not verified:
        return redirect("accounts:otp_verify")
    device = services.start_totp_enrolment(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp(user, device, token=form.cleaned_data["token"], actor=user):
            otp_login(request, device)
            messages.success(request, "动态口令已绑定")
            return redirect("home")
        form.add_error("token", "动态口令不正确，请核对手机时间后重试")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": secret,
            "required": user.needs_second_factor,
        },
    )


def _safe_next(request: HttpRequest) -> str:
    """``?next=`` only when it is a path on this site; anything else goes home. Always a URL,
    never a view name, so odd text cannot turn into a failed reverse()."""
    target = request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:otp_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return HttpResponseRedirect(_safe_next(request))
        from dangjian.core import audit

        audit.record("auth.otp_failed", actor=user, obj=user, outcome="failure")
        form.add_error("token", "动态口令不正确")
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
def profile(request: HttpRequest, token_form: ApiTokenForm | None = None) -> HttpResponse:
    from dangjian.core.permissions import user_grants

    user = cast(User, request.user)
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return render(
        request,
        "accounts/profile.html",
        {
            "grants": user_grants(user),
            "has_device": has_device,
            **_token_context(user, token_form),
        },
    )


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

    action = AccountAction.MANAGE
    nav_active = "accounts"

    def get_object(self) -> Any:
        require_action(self.request, self.action)
        return get_object_or_404(User, pk=self.kwargs["pk"])

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

    def get_context(self, obj: Any) -> dict[str, Any]:
        return {"target": obj}


class GrantRevokeView(ConfirmActionView):
    """Ask first (GET), then take the grant away (POST): the account keeps its other grants."""

    action = AccountAction.MANAGE
    template_name = "accounts/grant_revoke.html"
    nav_active = "accounts"

    def get_object(self) -> Any:
        require_action(self.request, self.action)
        grants = Grant.objects.select_related("user", "node")
        return get_object_or_404(grants, pk=self.kwargs["grant_pk"], user_id=self.kwargs["pk"])

    def run(self, obj: Any, actor: Any) -> Any:
        return services.revoke_grant(obj, actor=actor)

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已撤销“{obj.user}”在“{obj.node.name}”的{obj.get_role_display()}授权"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("accounts:user_list")

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


grant_add = GrantAddView.as_view()
grant_revoke = GrantRevokeView.as_view()
security_policy = SecurityPolicyView.as_view()


@login_required
def lockouts(request: HttpRequest) -> HttpResponse:
    require_action(request, AccountAction.SECURITY)
    if request.method == "POST":
        username = request.POST.get("username", "")
        count = services.unlock_account(actor=request.user, username=username)
        messages.success(request, f"已解除“{username}”的锁定（{count} 条记录）")
        return redirect("accounts:lockouts")
    from axes.models import AccessAttempt

    from dangjian.accounts.lockout import accounts_with_failures

    attempts = AccessAttempt.objects.order_by("-attempt_time")[:200]
    context = {
        "accounts": accounts_with_failures(),
        "attempts": attempts,
        "address_limit": settings.AXES_FAILURE_LIMIT,
        "account_limit": settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
        "nav_active": "security",
    }
    return render(request, "accounts/lockouts.html", context)


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


def _create_token(request: HttpRequest, holder: User, form: ApiTokenForm) -> HttpResponse | None:
    """The one-time page showing the new token, or ``None`` with the errors put on ``form``."""
    if not form.is_valid():
        return None
    try:
        token, clear = services.create_api_token(
            actor=request.user,
            now=clock.now(),
            user=holder,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    back = (
        reverse("accounts:profile")
        if holder.pk == request.user.pk
        else reverse("accounts:user_tokens", args=[holder.pk])
    )
    return render(
        request,
        "accounts/token_created.html",
        {"token": token, "clear_token": clear, "holder": holder, "back": back},
    )


@never_cache  # the page carries the clear token: no cache may keep it
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = ApiTokenForm(request.POST)
    return _create_token(request, user, form) or profile(request, token_form=form)


@never_cache
@login_required
def user_tokens(request: HttpRequest, pk: int) -> HttpResponse:
    """系统管理员: another account's tokens, and a token made for it."""
    require_action(request, AccountAction.MANAGE)
    holder = get_object_or_404(User, pk=pk)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST":
        created = _create_token(request, holder, form)
        if created is not None:
            return created
    return render(
        request,
        "accounts/user_tokens.html",
        {"holder": holder, "nav_active": "accounts", **_token_context(holder, form)},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner revokes their own token; 系统管理员 any. Anyone else's token is a 404."""
    tokens = ApiToken.objects.select_related("user")
    if not services.may_manage_any_tokens(request.user):
        tokens = tokens.filter(user_id=cast(User, request.user).pk)
    try:
        token = get_object_or_404(tokens, pk=pk)
    except Http404:
        from dangjian.core.api import record_denial_if_exists

        record_denial_if_exists(request, ApiToken.objects.all(), pk)
        raise
    try:
        services.revoke_api_token(token, actor=request.user, now=clock.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已撤销令牌“{token.name}”")
    if token.user_id == request.user.pk:
        return redirect("accounts:profile")
    return redirect("accounts:user_tokens", token.user_id)
