"""Money as the platform shows it: 万元 with thousands separators (issue 11 item 12).

``{% load money %}{{ amount|wanyuan }}`` takes an amount in 元 and shows e.g. ``12,345.68 万元``;
``{{ amount|wanyuan:0 }}`` rounds to whole 万元. Nothing (None or "") shows as "—".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


def format_wanyuan(amount: Any, places: int = 2) -> str:
    if amount is None or amount == "":
        return "—"
    try:
        yuan = Decimal(str(amount))
    except InvalidOperation:
        return "—"
    wan = (yuan / Decimal(10000)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{wan:,.{places}f} 万元"


@register.filter
def wanyuan(amount: Any, places: int = 2) -> str:
    return format_wanyuan(amount, int(places))
