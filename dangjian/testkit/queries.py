"""Exact query counts with a failure that shows the SQL.

``with assert_queries(5): client.get(url)`` fails when the block runs any other number of
queries, listing every statement it ran, numbered, so the extra one is found by reading.
``capture_queries()`` is the same capture without the assertion, for tests that compare two
counts or look for a particular statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def listing(self) -> str:
        return "\n".join(f"{i}. {sql}" for i, sql in enumerate(self.statements, 1))

    def matching(self, prefix: str) -> list[str]:
        return [sql for sql in self.statements if sql.startswith(prefix)]


@contextmanager
def capture_queries(using: str = DEFAULT_DB_ALIAS) -> Iterator[QueryLog]:
    log = QueryLog()
    with CaptureQueriesContext(connections[using]) as ctx:
        yield log
    log.statements = [q["sql"] for q in ctx.captured_queries]


@contextmanager
def assert_queries(
    expected: int, *, using: str = DEFAULT_DB_ALIAS, label: str = ""
) -> Iterator[QueryLog]:
    with capture_queries(using) as log:
        yield log
    if log.count != expected:
        where = f" for {label}" if label else ""
        raise AssertionError(
            f"expected exactly {expected} queries{where}, ran {log.count}:\n{log.listing()}"
        )
