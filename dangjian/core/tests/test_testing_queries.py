"""The query-count helper every exact-count test uses."""

from __future__ import annotations

import pytest

from dangjian.core.models import AuditEntry
from dangjian.testkit.queries import assert_queries, capture_queries

pytestmark = pytest.mark.django_db


def test_exact_count_passes_and_exposes_the_statements() -> None:
    with assert_queries(2) as log:
        AuditEntry.objects.count()
        AuditEntry.objects.filter(action="x").exists()
    assert log.count == 2 and "audit" in log.statements[0].lower()


@pytest.mark.parametrize("ran", [1, 3])
def test_any_other_count_fails_listing_every_statement(ran: int) -> None:
    with pytest.raises(AssertionError) as failure, assert_queries(2, label="/audit/"):
        for i in range(ran):
            AuditEntry.objects.filter(seq=i).exists()
    message = str(failure.value)
    assert message.startswith(f"expected exactly 2 queries for /audit/, ran {ran}:")
    assert all(f"\n{n}. SELECT" in message for n in range(1, ran + 1))


def test_capture_filters_by_prefix() -> None:
    with capture_queries() as log:
        AuditEntry.objects.count()
    assert log.matching("SELECT") == log.statements and log.matching("UPDATE") == []
