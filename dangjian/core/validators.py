"""Validators wrapping the pure rules in ``core.rules``: for form and serializer fields, and the
``check_*`` guards every app's services share (each raises a field-keyed ``ValidationError``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError

from dangjian.core import clock
from dangjian.core.rules import date_range_error, invisible_character_error


def visible_text(label: str) -> Callable[[str], None]:
    """A field validator refusing control and format characters, naming the field."""

    def validate(value: str) -> None:
        message = invisible_character_error(str(value), label=label)
        if message:
            raise ValidationError(message, code="invisible_characters")

    return validate


def check_date(
    on: date | None, field_name: str, what: str = "日期", *, today: date | None = None
) -> None:
    """Events are recorded after they happen and none predates the Party (1921-07-01): a date
    outside that range is a typing mistake (``0001-01-01``, a year typed as ``2062``)."""
    message = date_range_error(on, label=what, today=today or clock.today())
    if message:
        raise ValidationError({field_name: message})


def check_name(value: str, field_name: str, what: str) -> None:
    """Names are shown to people: no control, format or zero-width characters."""
    message = invisible_character_error(value, label=what)
    if message:
        raise ValidationError({field_name: message})
