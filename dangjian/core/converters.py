"""URL converters. ``<pk:…>`` is ``<int:…>`` capped at 18 digits: a longer number can name no
row, and SQLite raises OverflowError (a 500) on integers beyond 64 bits."""

from __future__ import annotations

from typing import Any

from django.urls import register_converter
from django.urls.converters import IntConverter

MAX_PK_DIGITS = 18
PK_REGEX = f"[0-9]{{1,{MAX_PK_DIGITS}}}"
# The same bound for row ids given as filter values (a form error, 400 over the API).
ID_BOUNDS: dict[str, Any] = {
    "min_value": 1,
    "max_value": 10**MAX_PK_DIGITS - 1,
    "decimal_places": 0,
}


class PrimaryKeyConverter(IntConverter):
    regex = PK_REGEX


register_converter(PrimaryKeyConverter, "pk")
