from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from dangjian.core.forms import BootstrapFormMixin
from dangjian.core.validators import visible_text
from dangjian.members.choices import ETHNICITIES, Education, MemberStatus
from dangjian.members.rules import EDITABLE_STATUSES
from dangjian.members.services import MemberData

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50, validators=[visible_text("姓名")])
    id_number = forms.CharField(
        label="身份证号码",
        max_length=18,
        min_length=18,
        help_text="出生日期和性别由身份证号码自动得出",
    )
    status = forms.ChoiceField(label="党籍状态", choices=MemberStatus.choices)
    party_group = forms.ChoiceField(label="党小组", required=False)
    ethnicity = forms.ChoiceField(
        label="民族", choices=[(e, e) for e in ETHNICITIES], initial="汉族"
    )
    phone = forms.CharField(label="手机号码", max_length=11, required=False)
    education = forms.ChoiceField(
        label="学历", choices=[("", "—"), *Education.choices], required=False
    )
    post = forms.CharField(label="工作岗位", max_length=60, required=False)
    is_cadre = forms.BooleanField(label="是否干部", required=False)
    admitted_on = forms.DateField(label="入党日期", required=False, widget=DATE)
    full_on = forms.DateField(label="转正日期", required=False, widget=DATE)
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
            id_field = self.fields["id_number"]
            assert isinstance(id_field, forms.CharField)
            id_field.required, id_field.min_length, id_field.validators = False, None, []
            self.fields["id_number"].help_text = f"留空则不修改（当前：{current.id_number_masked}）"
            self.fields[
                "phone"
            ].help_text = f"留空则不修改（当前：{current.phone_masked or '未填写'}）"
            # Other status changes are movements with their own forms (see status_edit_error).
            status_field = self.fields["status"]
            assert isinstance(status_field, forms.ChoiceField)
            keep = EDITABLE_STATUSES if current.status in EDITABLE_STATUSES else {current.status}
            status_field.choices = [(v, label) for v, label in MemberStatus.choices if v in keep]
        field = self.fields["party_group"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *[(str(pk), name) for pk, name in groups or []]]

    def member_data(self) -> MemberData:
        from dangjian.members.services import decrypt_id, decrypt_phone

        data = self.cleaned_data
        id_number = data["id_number"] or (decrypt_id(self.current) if self.current else "")
        phone = data["phone"] or (decrypt_phone(self.current) if self.current else "")
        return MemberData(
            name=data["name"],
            id_number=id_number,
            status=data["status"],
            ethnicity=data["ethnicity"],
            phone=phone,
            education=data["education"],
            post=data["post"],
            is_cadre=data["is_cadre"],
            admitted_on=data["admitted_on"],
            full_on=data["full_on"],
            party_group_id=int(data["party_group"]) if data["party_group"] else None,
        )


class MoveForm(BootstrapFormMixin, forms.Form):
    to_org = forms.CharField(label="转入党支部编码", max_length=40)
    on = forms.DateField(label="转移日期", widget=DATE)


class TransferOutForm(BootstrapFormMixin, forms.Form):
    letter_no = forms.CharField(label="介绍信编号", max_length=40)
    destination = forms.CharField(label="转往党组织", max_length=120)
    issued_on = forms.DateField(label="开具日期", widget=DATE)


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


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label="退回原因", max_length=200)


class MobilityForm(BootstrapFormMixin, forms.Form):
    place = forms.CharField(label="流入地", max_length=120)
    left_on = forms.DateField(label="外出日期", widget=DATE)
    certificate_no = forms.CharField(label="流动党员活动证编号", max_length=40, required=False)


class DateOnlyForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label="日期", widget=DATE)


class SuspendForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label="决定日期", widget=DATE)
    decision = forms.CharField(label="党组织决定（文号或说明）", max_length=200)


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
