from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse

from dangjian.core.forms import BootstrapFormMixin, IrreversibleForm, RemotePicker
from dangjian.core.validators import visible_text
from dangjian.members.choices import ExitKind, MemberStatus, RightsSuspension
from dangjian.members.fields import FORM_FIELDS, Kind, MemberData, MemberField
from dangjian.members.permissions import MemberAction
from dangjian.members.rules import EDITABLE_STATUSES
from dangjian.orgs.choices import OrgKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _form_field(spec: MemberField) -> forms.Field:
    """The form field for one declared member field."""
    label, required = spec.label, not spec.blank
    if spec.kind in (Kind.TEXT, Kind.ID_NUMBER, Kind.PHONE):
        return forms.CharField(
            label=label,
            max_length=spec.max_length,
            min_length=spec.min_length,
            required=required,
            help_text=spec.help_text,
            validators=[visible_text(label)] if spec.form_checks_visible else [],
        )
    if spec.kind is Kind.CHOICE:
        return forms.ChoiceField(
            label=label,
            choices=[("", "—"), *spec.choices] if spec.blank else list(spec.choices),
            required=required,
            initial=spec.default or None,
        )
    if spec.kind is Kind.PARTY_GROUP:
        return forms.ChoiceField(label=label, required=False)  # choices: the branch's groups
    if spec.kind is Kind.FLAG:
        return forms.BooleanField(label=label, required=False)
    if spec.kind is Kind.DATE:
        return forms.DateField(label=label, required=required, widget=DATE)
    raise TypeError(f"no form field for {spec.kind}")


class MemberForm(BootstrapFormMixin, forms.Form):
    """The member's fields come from ``fields.FIELDS`` (see below the class)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        groups: list[tuple[int, str]] | None = None,
        current: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        if current is not None:
            # Editing never shows stored ID or phone numbers; blank keeps them.
            for spec in FORM_FIELDS:
                if not spec.encrypted:
                    continue
                kept = self.fields[spec.name]
                assert isinstance(kept, forms.CharField)
                kept.help_text = (
                    f"留空则不修改（当前：{getattr(current, spec.masked) or '未填写'}）"
                )
                if not spec.blank:  # asked for on registration only
                    kept.required, kept.min_length, kept.validators = False, None, []
        # Other status changes are movements with their own forms (see status_edit_error); a
        # new member is registered 正式 or 预备.
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        keep = (
            {current.status}
            if current is not None and current.status not in EDITABLE_STATUSES
            else EDITABLE_STATUSES
        )
        status_field.choices = [(v, label) for v, label in MemberStatus.choices if v in keep]
        field = self.fields["party_group"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *[(str(pk), name) for pk, name in groups or []]]

    def member_data(self) -> MemberData:
        data = self.cleaned_data
        values: dict[str, Any] = {}
        keep: set[str] = set()
        for spec in FORM_FIELDS:
            value = data[spec.name]
            if spec.encrypted and self.current is not None and not value:
                keep.add(spec.key)  # left blank: the stored ciphertext stands, never decrypted
            elif spec.kind is Kind.PARTY_GROUP:
                value = int(value) if value else None
            values[spec.key] = value
        return MemberData(**values, keep=frozenset(keep))


MemberForm.base_fields = {
    **{spec.name: _form_field(spec) for spec in FORM_FIELDS},
    "version": MemberForm.base_fields["version"],
}
MemberForm.declared_fields = dict(MemberForm.base_fields)


def edit_initial(member: Any) -> dict[str, Any]:
    """The edit page's starting values: every form field but the encrypted ones (never shown)."""
    initial: dict[str, Any] = {}
    for spec in FORM_FIELDS:
        if spec.encrypted:
            continue
        value = getattr(member, spec.key)
        initial[spec.name] = str(value or "") if spec.kind is Kind.PARTY_GROUP else value
    initial["version"] = member.version
    return initial


class MoveForm(BootstrapFormMixin, forms.Form):
    to_org = forms.IntegerField(
        label="转入党支部",
        widget=RemotePicker(),
        error_messages={"required": "请选择转入党支部", "invalid": "请从列表中选择转入党支部"},
        help_text="输入党支部名称或编码搜索，仅列出您有权登记党员的党支部",
    )
    on = forms.DateField(label="转移日期", widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        query = urlencode({"for": MemberAction.ADD, "kind": OrgKind.BRANCH})
        widget = self.fields["to_org"].widget
        assert isinstance(widget, RemotePicker)
        widget.url = f"{reverse('orgs:pick')}?{query}"


class TransferOutForm(BootstrapFormMixin, forms.Form):
    letter_no = forms.CharField(label="介绍信编号", max_length=40)
    destination = forms.CharField(label="转往党组织", max_length=120)
    issued_on = forms.DateField(label="开具日期", widget=DATE)


class TransferOutCompleteForm(IrreversibleForm):
    # Both are required by the service (its messages name the field); the form only parses.
    date_field = "receipt_on"
    checks_date = False  # the service's ``receipt_errors``: not before the letter, not after today
    receipt_org = forms.CharField(
        label="接收党组织（回执）",
        max_length=120,
        required=False,
        help_text="以回执上的盖章单位为准",
    )
    receipt_on = forms.DateField(label="回执日期", widget=DATE, required=False)


class TransferOutReissueForm(BootstrapFormMixin, forms.Form):
    letter_no = forms.CharField(label="新介绍信编号", max_length=40)
    on = forms.DateField(label="开具日期", widget=DATE)
    valid_until = forms.DateField(
        label="有效期至", widget=DATE, required=False, help_text="不填则按县级规定的有效期计算"
    )


class TransferInForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50, validators=[visible_text("姓名")])
    id_number = forms.CharField(label="身份证号码", max_length=18, min_length=18)
    member_status = forms.ChoiceField(
        label="党籍状态",
        choices=[(MemberStatus.FULL, "正式党员"), (MemberStatus.PROBATIONARY, "预备党员")],
    )
    admitted_on = forms.DateField(label="入党日期", widget=DATE)
    full_on = forms.DateField(
        label="转正日期", required=False, widget=DATE, help_text="正式党员须填写"
    )
    from_org = forms.CharField(label="转出党组织", max_length=120)
    letter_no = forms.CharField(label="介绍信编号", max_length=40)
    received_on = forms.DateField(label="收到日期", widget=DATE)


class TransferOutRevokeForm(IrreversibleForm):
    """撤销 cannot be undone: a revoked letter is void; a new transfer needs a new letter."""

    reason = forms.CharField(label="撤销原因", max_length=200)
    on = forms.DateField(label="撤销日期", widget=DATE)


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label="退回原因", max_length=200)


class MobilityForm(BootstrapFormMixin, forms.Form):
    place = forms.CharField(label="流入地", max_length=120)
    left_on = forms.DateField(label="外出日期", widget=DATE)
    certificate_no = forms.CharField(label="流动党员活动证编号", max_length=40, required=False)


class DateOnlyForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label="日期", widget=DATE)


class DeathForm(IrreversibleForm):
    on = forms.DateField(label="去世日期", widget=DATE)


class SuspendForm(IrreversibleForm):
    on = forms.DateField(label="决定日期", widget=DATE)
    decision = forms.CharField(label="党组织决定（文号或说明）", max_length=200)


class RestoreForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label="恢复联系日期", widget=DATE)
    decision = forms.CharField(
        label="党组织决定（文号或说明）",
        max_length=200,
        help_text="本人与党组织恢复联系、说明情况并经党组织研究同意后恢复党籍",
    )


class ExitForm(IrreversibleForm):
    kind = forms.ChoiceField(label="出党方式", choices=[("", "—"), *ExitKind.choices])
    on = forms.DateField(label="决定日期", widget=DATE)
    decision = forms.CharField(label="党组织决定（文号或说明）", max_length=200)


class WatchForm(BootstrapFormMixin, forms.Form):
    watch_from = forms.DateField(label="留党察看起始日期", widget=DATE)
    watch_until = forms.DateField(label="留党察看截止日期", widget=DATE, help_text="最长两年")
    decision = forms.CharField(label="处分决定（文号或说明）", max_length=200)


class RightsForm(BootstrapFormMixin, forms.Form):
    since = forms.DateField(label="中止日期", widget=DATE)
    reason = forms.ChoiceField(label="中止原因", choices=[("", "—"), *RightsSuspension.choices])


class ExtendProbationForm(BootstrapFormMixin, forms.Form):
    # Bounds are the service's (6–12, once): its message cites the rule.
    months = forms.IntegerField(
        label="延长月数", help_text="不少于6个月，最长不超过12个月，只能延长一次"
    )
    decided_on = forms.DateField(label="支部大会决定日期", widget=DATE)
    reason = forms.CharField(label="延长原因", max_length=200)
    # The member's version when the page was opened: a change meanwhile is refused.
    version = forms.IntegerField(widget=forms.HiddenInput)


class CommunityForm(BootstrapFormMixin, forms.Form):
    community = forms.CharField(label="报到社区", max_length=120)
    registered_on = forms.DateField(label="报到日期", widget=DATE)


class ServiceForm(BootstrapFormMixin, forms.Form):
    served_on = forms.DateField(label="服务日期", widget=DATE)
    content = forms.CharField(label="服务内容", max_length=200)
    hours = forms.DecimalField(
        label="时长（小时）",
        min_value=Decimal(0),
        max_value=Decimal(24),
        decimal_places=1,
        max_digits=5,
        initial=Decimal("2.0"),
    )


class UploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label="党员信息表（.xlsx）")


class CommunityReportForm(BootstrapFormMixin, forms.Form):
    """双报到 as the member reports it; the branch confirms it."""

    community = forms.CharField(label="社区名称", max_length=120)
    reported_on = forms.DateField(label="报到日期", widget=DATE)
