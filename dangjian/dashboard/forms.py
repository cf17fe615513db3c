"""The problem list's filters (GET): 集团, 企业, 类型, 级别 and the order."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from dangjian.core.problems import LEVELS, problem_kinds
from dangjian.dashboard.worklist import SORTS, Unit
from dangjian.orgs.choices import OrgKind


class QuickSelect(forms.Select):
    """A select rendered by one join, not a template per option: the county's 企业 filter
    offers thousands of them."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        chosen = "" if value is None else str(value)
        final = self.build_attrs(self.attrs, attrs)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) == chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class ProblemFilterForm(forms.Form):
    group = forms.TypedChoiceField(
        label="所属集团", required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    enterprise = forms.TypedChoiceField(
        label="所属企业", required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    kind = forms.ChoiceField(label="类型", required=False)
    level = forms.ChoiceField(label="级别", required=False)
    sort = forms.ChoiceField(label="排序", required=False, choices=list(SORTS.items()))

    def __init__(self, data: Any, *, units: dict[str, Unit], present: set[str]) -> None:
        super().__init__(data)
        everything = [("", "全部")]
        groups = [(u.pk, u.name) for u in units.values() if u.kind == OrgKind.GROUP]
        enterprises = [(u.pk, u.name) for u in units.values() if u.kind == OrgKind.ENTERPRISE]
        fields = self.fields
        fields["group"].choices = everything + groups  # type: ignore[attr-defined]
        fields["enterprise"].choices = everything + enterprises  # type: ignore[attr-defined]
        # The kinds found in the scope (and the one asked for, when a link names it): a branch is
        # not offered the kinds only a 党委 or an enterprise can have.
        asked = (data or {}).get("kind", "")
        fields["kind"].choices = everything + [  # type: ignore[attr-defined]
            (code, kind.label)
            for code, kind in problem_kinds().items()
            if code in present or code == asked
        ]
        fields["level"].choices = everything + list(LEVELS.items())  # type: ignore[attr-defined]
        # A scope without groups (an enterprise, a branch) has no 集团 filter to offer.
        if not groups:
            del fields["group"]
        if not enterprises:
            del fields["enterprise"]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
            field.error_messages["invalid_choice"] = (
                f"{field.label}：所选项不存在或不在您的授权范围内"
            )
