from dangjian.core.audit import verify_chain
from dangjian.orgs.models import OrgNode


def test_demo_county_is_loaded_and_chain_verifies(db):
    assert OrgNode.objects.filter(kind="enterprise").count() == 20
    assert verify_chain().ok


def test_supervisor_home_shows_real_counts(client_for):
    response = client_for("supervisor").get("/")
    assert response.status_code == 200
    assert response.context["total"] == OrgNode.objects.filter(dissolved_on__isnull=True).count()


def test_home_chart_labels_match_values(client_for):
    context = client_for("supervisor").get("/").context
    chart = context["chart"]
    assert len(chart["labels"]) == len(chart["values"]) == 6
    assert chart["labels"][0] == "集团" and chart["values"][0] == 3
