from __future__ import annotations

from django import forms

from dangjian.core.forms import BootstrapFormMixin, IrreversibleForm
from dangjian.core.validators import visible_text
from dangjian.governance.choices import CommitteePost, LeaderPosition

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TERM_YEARS = "任期应为3至5年（党章：三年至五年）"


class ElectionForm(BootstrapFormMixin, forms.Form):
    elected_on = forms.DateField(label="选举日期", widget=DATE)
    term_years = forms.IntegerField(
        label="任期（年）",
        min_value=3,
        max_value=5,
        required=False,
        error_messages={"min_value": TERM_YEARS, "max_value": TERM_YEARS},
        help_text="留空按县级设置（党支部默认3年，党委5年）",
    )


class ExtensionForm(BootstrapFormMixin, forms.Form):
    extended_until = forms.DateField(label="延期至", widget=DATE)
    approval_ref = forms.CharField(label="上级批复文号", max_length=80)


class SeatForm(BootstrapFormMixin, forms.Form):
    post = forms.ChoiceField(label="职务", choices=CommitteePost.choices)
    post_label = forms.CharField(
        label="职务名称（其他委员时填写）",
        max_length=20,
        required=False,
        validators=[visible_text("职务名称")],
    )
    member = forms.ChoiceField(
        label="党员",
        widget=forms.Select(
            attrs={"data-picker": "local", "data-picker-placeholder": "输入姓名搜索"}
        ),
    )
    assigned_on = forms.DateField(label="任职日期", widget=DATE)
    upper_ref = forms.CharField(
        label="上级党组织批准或备案文号",
        max_length=80,
        required=False,
        validators=[visible_text("文号")],
        help_text="书记、副书记填写上级党组织批准文号，其他委员填写备案文号",
    )
    upper_on = forms.DateField(label="批准或备案日期", widget=DATE, required=False)

    def __init__(
        self,
        *args: object,
        members: list[tuple[int, str]],
        extra_posts: list[str] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["member"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(pk), name) for pk, name in members]
        post = self.fields["post"]
        assert isinstance(post, forms.ChoiceField)
        # Posts the county configured (青年委员 …) are stored as "other" with their own label.
        post.choices = [*CommitteePost.choices, *[(f"other:{p}", p) for p in extra_posts or []]]


class SeatUpperForm(BootstrapFormMixin, forms.Form):
    upper_ref = forms.CharField(
        label="上级党组织批准或备案文号", max_length=80, validators=[visible_text("文号")]
    )
    upper_on = forms.DateField(label="批准或备案日期", widget=DATE)


class LeaderForm(BootstrapFormMixin, forms.Form):
    position = forms.ChoiceField(label="职务", choices=LeaderPosition.choices)
    person_name = forms.CharField(label="姓名", max_length=50, validators=[visible_text("姓名")])
    since = forms.DateField(label="任职日期", widget=DATE)
    on_board = forms.BooleanField(label="进入董事会", required=False)
    on_management = forms.BooleanField(label="进入经理层", required=False)
    on_party_committee = forms.BooleanField(label="进入党组织班子", required=False)


class UnityExceptionForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label="书记、董事长分设的原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    approval_ref = forms.CharField(label="批准文号", max_length=80, required=False)
    on = forms.DateField(label="记录日期", widget=DATE)


class SeatRemoveForm(IrreversibleForm):
    on = forms.DateField(label="免去日期", widget=DATE, help_text="党组织作出免去决定的日期")
