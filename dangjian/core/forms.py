from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


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
