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


# 15:59:59 UTC on 2 December is the last second of 2 December in China.
LAST_SECOND_UTC = datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC)


@pytest.mark.django_db
def test_token_authentication_takes_the_day_from_the_instant_it_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One reading of the clock decides: a second reading a moment later (already the next
    local day) must not refuse an account valid through the day of the first."""
    from django.test import Client

    from dangjian.core import clock
    from dangjian.orgs.tests.factories import a_party_committee

    holder = make_account(role="secretary", node=a_party_committee())
    User.objects.filter(pk=holder.pk).update(valid_until=date(2026, 12, 2))
    monkeypatch.setattr(clock, "now", lambda: LAST_SECOND_UTC)
    _, clear = services.create_api_token(
        actor=holder, user=holder, name="对接", days=30, now=LAST_SECOND_UTC
    )
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 3))  # the clock moved on
    response = Client(HTTP_AUTHORIZATION=f"Token {clear}").get("/api/orgs/")
    assert response.status_code == 200, response.content
    User.objects.filter(pk=holder.pk).update(valid_until=date(2026, 12, 1))
    refused = Client(HTTP_AUTHORIZATION=f"Token {clear}").get("/api/orgs/")
    assert refused.status_code == 401
