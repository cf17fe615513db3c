from dangjian.core.audit import verify_chain
from dangjian.orgs.models import OrgNode


def test_demo_county_is_loaded_and_chain_verifies(db):
    assert OrgNode.objects.filter(kind="enterprise").count() == 20
    assert verify_chain().ok


def test_supervisor_home_shows_real_counts(client_for):
    response = client_for("supervisor").get("/")
    assert response.status_code == 200
    assert response.context["total"] == OrgNode.objects.filter(dissolved_on__isnull=True).count()


def test_home_kind_cards_count_the_tree_and_link_to_it(client_for):
    client = client_for("supervisor")
    rows = client.get("/").context["kind_rows"]
    live = OrgNode.objects.filter(dissolved_on__isnull=True)
    assert rows, "the supervisor's overview shows the tree's kinds"
    for kind, _label, n, url in rows:
        assert n == live.filter(kind=kind).count() and n > 0
        assert url.endswith(f"?kind={kind}") and client.get(url).status_code == 200
