"""An organisation's structure-check report: scoped, its findings with their sources, the
committee and its term, linked from the org page."""

from __future__ import annotations

from datetime import date

import pytest

from dangjian.core import clock
from dangjian.governance.services import structure_findings
from dangjian.orgs.models import OrgNode


@pytest.mark.django_db
def test_the_report_lists_every_finding_with_its_source(client_for) -> None:
    today = clock.today()
    nodes = OrgNode.objects.filter(kind__in=["branch", "party_committee", "general_branch"])
    node = next(n for n in nodes.order_by("path") if structure_findings(n, today=today))
    findings = structure_findings(node, today=today)
    body = client_for("supervisor").get(f"/governance/org/{node.pk}/structure-report/")
    assert body.status_code == 200
    text = body.content.decode()
    table = text[text.index('id="findings"') :].split("</table>")[0]
    assert table.count('<tr class="level-') == len(findings)
    for finding in findings:
        assert finding.message in table
        if finding.source:
            assert finding.source in table
    assert (
        f"/governance/org/{node.pk}/structure-report/"
        in client_for("supervisor").get(f"/orgs/{node.pk}/").content.decode()
    )


@pytest.mark.django_db
def test_the_report_shows_the_term_and_committee(client_for) -> None:
    from dangjian.governance.models import CommitteeTerm

    term = CommitteeTerm.objects.filter(ended_on__isnull=True).select_related("org").first()
    assert term is not None
    text = client_for("supervisor").get(f"/governance/org/{term.org_id}/structure-report/")
    body = text.content.decode()
    assert f"{term.elected_on:%Y-%m-%d}" in body and f"{term.term_years}年" in body
    for seat in term.seats.select_related("member"):
        assert seat.member.name in body
    assert isinstance(term.elected_on, date)
