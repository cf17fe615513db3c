from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse

from dangjian.accounts.models import SecurityPolicy, User
from dangjian.accounts.rules import API_TOKEN_NAME_MAX, token_day_choices, token_name_error
from dangjian.core.forms import BootstrapFormMixin, RemotePicker
from dangjian.core.permissions import ADMIN_ROLES, BUSINESS_ROLES, Role
from dangjian.core.validators import visible_text
from dangjian.orgs.models import OrgNode


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续失败%(limit)s次将锁定账号。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"] % {"limit": settings.AXES_FAILURE_LIMIT},
            code="invalid_login",
        )


def password_field(label: str) -> forms.CharField:
    """Passwords are taken exactly as typed, spaces included, everywhere (the login form's
    AuthenticationForm does not strip either): a stripped copy would never log in."""
    return forms.CharField(label=label, strip=False, widget=forms.PasswordInput)


class PasswordChangeForm(BootstrapFormMixin, forms.Form):
    old_password = password_field("当前密码")
    new_password1 = password_field("新密码")
    new_password2 = password_field("确认新密码")

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        from dangjian.accounts.validators import PolicyPasswordValidator

        self.fields["new_password1"].help_text = PolicyPasswordValidator().get_help_text()

    def clean_old_password(self) -> str:
        value = str(self.cleaned_data["old_password"])
        if not self.user.check_password(value):
            raise forms.ValidationError("当前密码不正确")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class TokenForm(BootstrapFormMixin, forms.Form):
    token = forms.RegexField(
        label="动态口令",
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": "请输入6位数字动态口令"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AccountCreateForm(BootstrapFormMixin, forms.Form):
    username = forms.RegexField(
        label="用户名",
        regex=r"^[A-Za-z][A-Za-z0-9_.-]{2,29}$",
        error_messages={"invalid": "用户名须以字母开头，3至30位字母、数字、点、下划线或连字符"},
    )
    full_name = forms.CharField(label="姓名", max_length=60, validators=[visible_text("姓名")])
    admin_role = forms.ChoiceField(
        label="管理角色",
        required=False,
        choices=[("", "无（业务账号）"), *[(r.value, r.label) for r in Role if r in ADMIN_ROLES]],
        help_text="三员账号不能再授予业务角色",
    )
    totp_required = forms.BooleanField(label="要求动态口令", required=False)


class GrantForm(BootstrapFormMixin, forms.Form):
    """The grant's node is chosen by name from the organisation search; the form posts its code."""

    role = forms.ChoiceField(
        label="角色", choices=[(r.value, r.label) for r in Role if r in BUSINESS_ROLES]
    )
    node = forms.CharField(
        label="组织编码",
        max_length=40,
        widget=RemotePicker(),
        help_text="输入组织名称或编码搜索后选择",
    )
    include_descendants = forms.BooleanField(label="含下级组织", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["node"].widget
        assert isinstance(widget, RemotePicker)
        widget.url = f"{reverse('orgs:pick')}?{urlencode({'value': 'code'})}"
        widget.label_for = lambda code: (
            OrgNode.objects.filter(code=code.strip()).values_list("name", flat=True).first()
        )


class SecurityPolicyForm(BootstrapFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SecurityPolicy
        fields = ["min_length", "min_classes", "max_age_days", "history", "inactive_days"]

    def clean_min_length(self) -> int:
        value = int(self.cleaned_data["min_length"])
        if not 8 <= value <= 64:
            raise forms.ValidationError("密码最小长度须在8至64之间（等保要求不少于8位）")
        return value

    def clean_min_classes(self) -> int:
        value = int(self.cleaned_data["min_classes"])
        if value not in (3, 4):
            raise forms.ValidationError("至少包含的字符类别数只能是3或4")
        return value

    def clean_history(self) -> int:
        value = int(self.cleaned_data["history"])
        if not 1 <= value <= 24:
            raise forms.ValidationError("密码历史次数须在1至24之间")
        return value


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label="令牌名称",
        max_length=API_TOKEN_NAME_MAX,
        help_text="写明用途或调用方，例如“组织部数据对接”",
        error_messages={
            "required": "请填写令牌名称，例如用途或调用系统的名字",
            "max_length": f"令牌名称不能超过{API_TOKEN_NAME_MAX}个字符",
        },
    )
    days = forms.TypedChoiceField(
        label="有效期",
        coerce=int,
        error_messages={"invalid_choice": "请从给定选项中选择有效期"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.conf import settings

        days = token_day_choices(settings.API_TOKEN_MAX_DAYS)
        field = self.fields["days"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(d, f"{d}天") for d in days]
        field.initial = days[0] if days else None

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"])
        problem = token_name_error(name)
        if problem:
            raise forms.ValidationError(problem)
        return name


class UnlockForm(forms.Form):
    """The lockout page's 解锁 button: the user name as posted (names are matched exactly)."""

    username = forms.CharField(required=False, strip=False)
