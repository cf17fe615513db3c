"""Django validators wrapping the pure rules in ``core.rules`` for form and serializer fields."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError

from dangjian.core.rules import invisible_character_error


def visible_text(label: str) -> Callable[[str], None]:
    """A field validator refusing control and format characters, naming the field."""

    def validate(value: str) -> None:
        message = invisible_character_error(str(value), label=label)
        if message:
            raise ValidationError(message, code="invisible_characters")

    return validate
