from __future__ import annotations

from django import forms

from dangjian.core.forms import BootstrapFormMixin
from dangjian.core.validators import visible_text
from dangjian.orgs.choices import OperatingStatus, OrgKind, Ownership
from dangjian.orgs.models import CountySettings
from dangjian.orgs.services import MAX_HEADCOUNT, EnterpriseFacts

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrgForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label="类型", choices=OrgKind.choices)
    code = forms.CharField(
        label="编码", max_length=40, help_text="全平台唯一，字母、数字、下划线或连字符"
    )
    name = forms.CharField(label="名称", max_length=120, validators=[visible_text("名称")])
    short_name = forms.CharField(
        label="简称", max_length=40, required=False, validators=[visible_text("简称")]
    )
    founded_on = forms.DateField(label="成立日期", required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, allowed_kinds: list[str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)
        if allowed_kinds is not None:
            kind_field = self.fields["kind"]
            assert isinstance(kind_field, forms.ChoiceField)
            kind_field.choices = [(k, OrgKind(k).label) for k in allowed_kinds]


class EnterpriseForm(BootstrapFormMixin, forms.Form):
    credit_code = forms.CharField(
        label="统一社会信用代码", max_length=18, min_length=18, help_text="18位，按 GB 32100 校验"
    )
    ownership = forms.ChoiceField(label="所有制形式", choices=Ownership.choices)
    transferred_on = forms.DateField(label="产权划转日期", required=False, widget=DATE)
    headcount = forms.IntegerField(
        label="职工人数", min_value=0, max_value=MAX_HEADCOUNT, initial=0
    )
    payroll_prior_year = forms.DecimalField(
        label="上年度工资总额（元）", min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    operating_status = forms.ChoiceField(label="经营状态", choices=OperatingStatus.choices)

    def clean_credit_code(self) -> str:
        return str(self.cleaned_data["credit_code"]).strip().upper()

    def facts(self) -> EnterpriseFacts:
        return EnterpriseFacts(**self.cleaned_data)


class MoveForm(BootstrapFormMixin, forms.Form):
    parent = forms.CharField(
        label="新的上级组织编码",
        max_length=40,
        help_text="输入新上级组织的编码，可在组织树中搜索查到",
    )


class DissolveForm(BootstrapFormMixin, forms.Form):
    dissolved_on = forms.DateField(label="撤销日期", widget=DATE)
    reason = forms.CharField(label="撤销原因", max_length=200)


class CountySettingsForm(BootstrapFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CountySettings
        fields = [
            "transfer_letter_valid_months",
            "branch_term_years",
            "lost_contact_review_months",
            "extra_committee_posts",
        ]


class SetupApprovalForm(BootstrapFormMixin, forms.Form):
    approving_body = forms.CharField(
        label="批准机关",
        max_length=120,
        validators=[visible_text("批准机关")],
        help_text="一般为上级党组织",
    )
    approval_ref = forms.CharField(
        label="批准文号", max_length=80, validators=[visible_text("批准文号")]
    )
    approved_on = forms.DateField(
        label="批准日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
