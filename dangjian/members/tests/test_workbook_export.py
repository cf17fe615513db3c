"""Export: scoped, masked unless revealed, formula-safe, audited, constant queries; and the
export → import round trip."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.members import services
from dangjian.members.models import Member, MemberEvent
from dangjian.members.tests.helpers import data, new_id
from dangjian.members.workbook import importer
from dangjian.members.workbook.exporter import export_members
from dangjian.testkit.queries import assert_queries, capture_queries

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_export_masks_escapes_stamps_and_audits(client_for, org, user) -> None:
    services.register_member(
        actor=SystemActor("tests"),
        org=org("CT01-ZB1"),
        data=data(name="=1+2", post="@SUM(A1)", phone="13800001111"),
    )
    client = client_for("secretary1")
    content = client.get("/members/export/").content
    rows = _rows(content)
    assert rows[0][0].startswith(f"导出人：{user('secretary1').full_name}（secretary1）")
    assert rows[1][:3] == ["姓名", "身份证号码", "党支部编码"]
    target = next(r for r in rows[2:] if str(r[0]).endswith("=1+2"))
    assert target[0] == "'=1+2" and target[8] == "'@SUM(A1)"
    assert "*" in target[1] and target[6] == "138****1111"
    entry = AuditEntry.objects.latest("seq")
    # Every member of the branch, the demo's and the one registered here.
    assert entry.action == "members.member.export" and entry.changes == {
        "rows": len(rows) - 2,  # every data row below the stamp and the header
        "revealed": False,
    }
    assert len(rows) - 2 == Member.objects.filter(org=org("CT01-ZB1")).count()
    revealed = _rows(client.get("/members/export/?reveal=1").content)
    mine = next(r for r in revealed[2:] if str(r[0]).endswith("=1+2"))
    assert "*" not in mine[1] and mine[6] == "13800001111"
    supervisor = _rows(client_for("supervisor").get("/members/export/?reveal=1").content)
    assert all("*" in str(r[1]) for r in supervisor[2:])  # may export, may not reveal


@pytest.mark.parametrize("query", ["", "?reveal=1", "?status=full&age_min=20"])
def test_export_query_count_is_constant(client_for, org, query) -> None:
    """Through the page itself, with the list's filters: the row count must not add queries."""
    # The same count at both sizes, reveal (and its audit entry) included; the count itself
    # differs by backend (PostgreSQL adds the audit chain's lock), so the small run sets it.
    client = client_for("secretary1")
    url = f"/members/export/{query}"
    with capture_queries() as small:
        assert client.get(url).status_code == 200
    for i in range(60):
        services.register_member(
            actor=SystemActor("tests"),
            org=org("CT01-ZB1"),
            data=data(name=f"多{i}", phone="13900000000"),
        )
    with assert_queries(small.count, label=url):
        assert client.get(url).status_code == 200
    assert len(_rows(client_for("secretary1").get(f"/members/export/{query}").content)) > 60


people = st.lists(
    st.tuples(
        st.text(alphabet="张王李赵刘陈杨黄周吴明华军芳丽强", min_size=2, max_size=4),
        st.dates(min_value=date(1950, 1, 1), max_value=date(1990, 12, 31)),
        st.sampled_from(["full", "probationary"]),
        st.sampled_from(["", "13912345678", "18600000000"]),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people)
def test_export_then_import_gives_the_same_members(org, people) -> None:
    branch = org("CT01-ZB1")
    with transaction.atomic():
        created = []
        for name, born, status, phone, cadre in people:
            admitted = date(born.year + 20, 6, 1)
            created.append(
                services.register_member(
                    actor=SystemActor("tests"),
                    org=branch,
                    data=data(
                        name=name,
                        id_number=new_id(born),
                        status=status,
                        phone=phone,
                        is_cadre=cadre,
                        admitted_on=admitted,
                        full_on=None if status == "probationary" else date(born.year + 21, 6, 1),
                    ),
                )
            )
        ids = [m.pk for m in created]

        def snapshot() -> list[tuple[object, ...]]:
            # The demo leaves this branch empty, so its members are exactly the generated ones.
            return sorted(
                (
                    m.name,
                    services.decrypt_id(m),
                    services.decrypt_phone(m),
                    m.org_id,
                    m.status,
                    m.admitted_on,
                    m.full_on,
                    m.is_cadre,
                    m.education,
                    m.post,
                    m.ethnicity,
                )
                for m in Member.objects.filter(org=branch)
            )

        before = snapshot()
        content = export_members(
            Member.objects.filter(pk__in=ids), actor=SystemActor("tests"), reveal=True
        )
        MemberEvent.objects.filter(member_id__in=ids).delete()
        Member.objects.filter(pk__in=ids).delete()
        rows = _rows(content)
        from dangjian.members.tests.workbooks import workbook

        report = importer.validate(
            workbook([[str(c) for c in r] for r in rows[2:]]), actor=SystemActor("tests")
        )
        assert report.errors == []
        importer.commit(
            report, actor=SystemActor("tests"), file_sha256="", original_name="roundtrip.xlsx"
        )
        assert snapshot() == before
        transaction.set_rollback(True)
