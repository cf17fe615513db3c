from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from dangjian.core import clock
from dangjian.core.rules import date_range_error


class BootstrapFormMixin:
    """Give every widget Bootstrap's classes so templates stay free of per-field markup."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)

    @property
    def uses_pickers(self) -> bool:
        """Whether the page must load the picker assets (``_picker_assets.html``)."""
        return any(
            isinstance(field.widget, RemotePicker) or "data-picker" in field.widget.attrs
            for field in self.fields.values()  # type: ignore[attr-defined]
        )


def apply_service_errors(
    form: forms.BaseForm, exc: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """Attach a service's field-keyed errors to the form (unknown keys become form-level errors).
    ``rename`` maps a service's argument name to the form field that supplied it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = (rename or {}).get(field, field)
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


CONFIRM_REQUIRED = "请勾选确认后再提交"


class IrreversibleForm(BootstrapFormMixin, forms.Form):
    """An act the platform cannot undo (免去, 出党, 停止党籍, 办结转出 …): the date it took effect
    and an explicit confirmation.

    ``date_field`` names the form's date (the page fills it with today); it may not lie in the
    future nor before ``earliest`` (the record's start, named by ``earliest_label``: “任职日期”).
    The confirmation box comes last, whatever the subclass declares.
    """

    date_field = "on"
    checks_date = True  # False when the service checks this date with messages of its own
    confirm = forms.BooleanField(
        label="我已核实以上信息，确认办理（此操作不可撤回）",
        error_messages={"required": CONFIRM_REQUIRED},
    )

    def __init__(
        self,
        *args: object,
        today: date | None = None,
        earliest: date | None = None,
        earliest_label: str = "",
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or clock.today()
        self.earliest = earliest
        self.earliest_label = earliest_label
        self.fields["confirm"] = self.fields.pop("confirm")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        value = cleaned.get(self.date_field)
        if self.checks_date and isinstance(value, date):
            label = self.fields[self.date_field].label or "日期"
            if value > self.today:
                self.add_error(self.date_field, f"{label}不能晚于今天")
            elif self.earliest is not None and value < self.earliest:
                what = self.earliest_label or "记录的起始日期"
                self.add_error(
                    self.date_field, f"{label}不能早于{what}（{self.earliest:%Y-%m-%d}）"
                )
            else:
                message = date_range_error(value, label=str(label), today=self.today)
                if message:
                    self.add_error(self.date_field, message)
        # Checked by the field; the services take the act's own data, not the confirmation.
        cleaned.pop("confirm", None)
        return cleaned


class RemotePicker(forms.Select):
    """A ``<select>`` that ``static/dangjian/pickers.js`` turns into a searchable tom-select
    filled from a scoped JSON search (``url``: an organisation or member search endpoint, which
    answers only what the user may choose). Only the chosen option is rendered: ``label_for``
    gives its text (the form sets it once it knows the user). Pages using it load the picker
    assets through ``{% include "_picker_assets.html" %}``."""

    def __init__(self, url: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url = url
        self.label_for: Callable[[str], str | None] = lambda value: None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-picker"] = "remote"
        widget_attrs["data-picker-url"] = self.url
        return context

    def optgroups(
        self, name: str, value: list[Any], attrs: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        chosen = [v for v in value if v not in ("", None)]
        options = [self.create_option(name, "", "", not chosen, 0)]
        for index, item in enumerate(chosen, start=1):
            label = self.label_for(str(item))
            if label is not None:
                options.append(self.create_option(name, item, label, True, index))
        return [(None, options, 0)]
