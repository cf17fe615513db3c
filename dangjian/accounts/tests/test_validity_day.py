"""An account valid until a day stays valid through that day in the platform's time zone
(Asia/Shanghai), even after 16:00 UTC when the UTC date is still the day before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dangjian.accounts import services
from dangjian.accounts.models import User
from dangjian.accounts.rules import PasswordPolicy, TokenUse, token_use_refusal
from dangjian.accounts.tests.factories import make_account
from dangjian.core.actors import SystemActor

# 17:00 UTC on 2 December is 01:00 on 3 December in China.
EVENING_UTC = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
LOCAL_DAY = date(2026, 12, 3)


def _use(valid_until: date) -> TokenUse:
    return TokenUse(
        expires_at=EVENING_UTC + timedelta(days=30),
        revoked=False,
        admin_role="",
        is_active=True,
        valid_until=valid_until,
        locked=False,
        must_change_password=False,
        password_changed_at=EVENING_UTC,
    )


@pytest.mark.parametrize(
    ("valid_until", "refused"),
    [(date(2026, 12, 2), True), (LOCAL_DAY, False), (date(2026, 12, 4), False)],
)
def test_token_refusal_counts_validity_in_local_days(valid_until: date, refused: bool) -> None:
    kind, _ = token_use_refusal(_use(valid_until), EVENING_UTC, PasswordPolicy(), today=LOCAL_DAY)
    assert (kind == "auth") is refused


@pytest.mark.django_db
def test_the_inactive_account_sweep_uses_the_local_date() -> None:
    ended_yesterday = make_account(role="")
    ends_today = make_account(role="")
    User.objects.filter(pk=ended_yesterday.pk).update(
        valid_until=date(2026, 12, 2), last_login=EVENING_UTC
    )
    User.objects.filter(pk=ends_today.pk).update(valid_until=LOCAL_DAY, last_login=EVENING_UTC)
    disabled = services.disable_inactive_accounts(now=EVENING_UTC, actor=SystemActor("tests"))
    assert ended_yesterday.username in disabled
    assert ends_today.username not in disabled
