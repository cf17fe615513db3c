"""Member API behaviour, list filters and exact query counts at two sizes."""

from __future__ import annotations

from datetime import date

import pytest

from dangjian.core import clock
from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.members import services
from dangjian.members.models import Member
from dangjian.members.tests.helpers import data, new_id
from dangjian.testkit.queries import assert_queries

pytestmark = pytest.mark.django_db


def test_create_needs_only_name_id_branch_status_and_admission(client_for, org) -> None:
    id_number = new_id(date(1970, 1, 2))
    fields = {
        "name": "最少字段",
        "id_number": id_number,
        "branch": org("CT01-ZB1").pk,
        "status": "probationary",
    }
    client = client_for("secretary1")
    missing = client.post("/api/members/", fields, content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["admitted_on"] == ["正式党员和预备党员须填写入党日期"]
    response = client.post(
        "/api/members/", {**fields, "admitted_on": "2025-09-01"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number"] == id_number[:4] + "*" * 10 + id_number[14:]
    assert body["birth_date"] == "1970-01-02" and body["status"] == "probationary"


def test_search_by_name_or_full_id_and_masking(client_for, org) -> None:
    member = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="欧阳查询")
    )
    full = services.decrypt_id(member)
    client = client_for("secretary1")
    by_name = client.get("/api/members/?search=欧阳").json()
    assert [r["name"] for r in by_name["results"]] == ["欧阳查询"]
    by_id = client.get(f"/api/members/?search={full.lower()}").json()
    assert [r["id"] for r in by_id["results"]] == [member.pk]
    assert full not in str(by_id)
    revealed = client.get(f"/api/members/{member.pk}/?reveal=1").json()
    assert revealed["id_number"] == full
    assert AuditEntry.objects.latest("seq").action == "members.member.reveal_id"
    supervisor = client_for("supervisor").get(f"/api/members/{member.pk}/?reveal=1").json()
    assert supervisor["id_number"] != full  # may read, may not reveal


def test_duplicate_and_bad_values_name_fields(client_for, org) -> None:
    member = services.register_member(actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data())
    client = client_for("secretary1")
    entries = AuditEntry.objects.count()
    dup = client.post(
        "/api/members/",
        {
            "name": "重复",
            "id_number": services.decrypt_id(member),
            "branch": org("CT01-ZB1").pk,
            "status": "full",
            "admitted_on": "2015-06-01",
            "full_on": "2016-06-01",
        },
        content_type="application/json",
    )
    assert dup.status_code == 400 and "已登记为党员" in dup.json()["id_number"][0]
    bad = client.post(
        "/api/members/",
        {
            "name": "错误",
            "id_number": "330106199005170001",
            "branch": org("CT01-ZB1").pk,
            "status": "full",
            "admitted_on": "2016-01-01",
            "full_on": "2015-01-01",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and {"id_number", "full_on"} <= set(bad.json())
    assert AuditEntry.objects.count() == entries


def test_list_filters_by_subtree_status_age_and_standing(client_for, org) -> None:
    client = client_for("supervisor")
    everyone = client.get("/api/members/?page_size=500").json()["count"]
    in_ct = client.get(f"/api/members/?org={org('CT').pk}").json()["count"]
    assert 0 < in_ct < everyone
    probationary = client.get("/api/members/?status=probationary&page_size=500").json()
    assert probationary["count"] and all(
        r["status"] == "probationary" for r in probationary["results"]
    )
    # Cut-offs from the day the request runs, so the test holds whatever the date is.
    today = clock.today()
    everyone_rows = client.get("/api/members/?page_size=500").json()["results"]
    old = client.get("/api/members/?age_min=55&page_size=500").json()["results"]
    born_by = _years_before(today, 55).isoformat()
    assert old and {r["id"] for r in old} == {
        r["id"] for r in everyone_rows if r["birth_date"] <= born_by
    }
    senior = client.get("/api/members/?standing_min=10&page_size=500").json()["results"]
    full_by = _years_before(today, 10).isoformat()
    assert senior and {r["id"] for r in senior} == {
        r["id"] for r in everyone_rows if r["full_on"] and r["full_on"] <= full_by
    }


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def test_htmx_request_renders_only_the_table(client_for) -> None:
    client = client_for("supervisor")
    full = client.get("/members/?status=full")
    partial = client.get("/members/?status=full", HTTP_HX_REQUEST="true")
    menu = 'aria-label="功能菜单"'.encode()  # the shell's menu: only on a whole page
    assert menu in full.content and menu not in partial.content
    assert b"<table" in partial.content


def test_htmx_filter_error_lists_nobody_in_the_partial(client_for) -> None:
    """The list is a ``ScopedListView``: a filter it does not understand answers the table
    partial with the error and no rows, never everyone."""
    partial = client_for("supervisor").get("/members/?age_min=abc", HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert partial.status_code == 200 and 'aria-label="功能菜单' not in text
    assert "筛选条件有误" in text and "没有符合条件的党员" in text


def _grow(org, n: int) -> None:
    for i in range(n):
        branch = org("CT02-ZB1" if i % 2 else "CT01-ZB1")
        services.register_member(actor=SystemActor("tests"), org=branch, data=data(name=f"扩容{i}"))


@pytest.mark.parametrize(
    ("username", "url", "expected"),
    [
        # The page counts its rows (共 N 人): one COUNT over the filtered rows.
        ("supervisor", "/members/", 7),
        ("supervisor", "/members/?status=full&age_min=30", 7),
        ("secretary1", "/members/", 7),
        ("secretary1", "/api/members/", 5),
        ("supervisor", "/api/members/?page_size=100", 5),
        ("supervisor", "/members/dual-registration/", 8),
    ],
)
def test_member_list_query_counts_at_two_sizes(client_for, org, username, url, expected) -> None:
    services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="首位")
    )
    client = client_for(username)

    with assert_queries(expected, label=url):
        assert client.get(url).status_code == 200
    _grow(org, 60)
    with assert_queries(expected, label=url):
        assert client.get(url).status_code == 200
    assert Member.objects.count() > 250


def test_full_id_search_never_reaches_a_url(client_for, org) -> None:
    """The list form posts; a full ID number is kept in the session behind a token, so history,
    bookmarks and pushed URLs never hold it. Names stay ordinary query parameters."""
    import re

    member = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="令狐查询")
    )
    full = services.decrypt_id(member)
    client = client_for("secretary1")
    partial = client.post("/members/", {"search": full, "status": ""}, HTTP_HX_REQUEST="true")
    pushed = partial["HX-Push-Url"]
    assert "令狐查询" in partial.content.decode() and full not in pushed
    assert re.fullmatch(r"/members/\?(status=&)?idq=[\w-]+(&status=)?", pushed), pushed
    page = client.get(pushed).content.decode()
    assert "令狐查询" in page and "按身份证号码查询" in page and full not in page
    assert member.id_number_masked in page
    plain = client.post("/members/", {"search": full})
    assert plain.status_code == 303 and full not in plain["Location"]
    typed = client.get(f"/members/?search={full}")
    assert typed.status_code == 303 and full not in typed["Location"]
    exported = client.get(pushed.replace("/members/", "/members/export/")).content
    from dangjian.members.tests.test_workbook_export import _rows

    assert [r[0] for r in _rows(exported)[2:]] == ["令狐查询"]
    other = client_for("secretary1")  # another session: the token means nothing there
    lost = other.get(pushed).content.decode()
    assert "已失效" in lost and "令狐查询" not in lost
    by_name = client.post("/members/", {"search": "令狐"})
    assert by_name["Location"].startswith("/members/?search=")


def test_subtree_scope_is_shown_and_kept_by_the_form(client_for, org) -> None:
    committee = org("CT01-DW")
    page = client_for("supervisor").get(f"/members/?org={committee.pk}").content.decode()
    assert f"范围：<strong>{committee.name}</strong>" in page
    # The form keeps it as the organisation picker's chosen option.
    assert f'<option value="{committee.pk}" selected>{committee.name}</option>' in page
    outside = client_for("secretary1").get(f"/members/?org={committee.pk}").content.decode()
    assert "范围：" not in outside  # a node the user may not see is not named


@pytest.mark.parametrize("style", ["spaced", "dashed", "bad_check", "twice"])
def test_anything_shaped_like_an_id_stays_out_of_urls(client_for, org, style: str) -> None:
    member = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="上官查询")
    )
    full = services.decrypt_id(member)
    typed = {
        "spaced": f"{full[:6]} {full[6:14]} {full[14:]}",
        "dashed": f"{full[:6]}-{full[6:14]}-{full[14:]}",
        "bad_check": full[:17] + ("0" if full[17] != "0" else "1"),
        "twice": full,
    }[style]
    client = client_for("secretary1")
    values = {"search": [typed, "张三"] if style == "twice" else typed}
    posted = client.post("/members/", values, HTTP_HX_REQUEST="true")
    plain = client.get("/members/", values)
    for url in (posted["HX-Push-Url"], plain["Location"]):
        assert full[:17] not in url and full[6:14] not in url and "search=" not in url
    found = "上官查询" in posted.content.decode()
    assert found is (style != "bad_check")
    api = client.get("/api/members/", {"search": typed.split()[0] if style == "twice" else typed})
    assert [r["name"] for r in api.json()["results"]] == (
        [] if style == "bad_check" else ["上官查询"]
    )


def test_export_link_follows_the_htmx_filters(client_for, org) -> None:
    member = services.register_member(
        actor=SystemActor("tests"), org=org("CT01-ZB1"), data=data(name="导出链接")
    )
    client = client_for("secretary1")
    partial = client.post(
        "/members/", {"search": services.decrypt_id(member)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="export-link"' in partial and 'hx-swap-oob="true"' in partial
    token = partial.split("/members/export/?idq=")[1].split('"')[0]
    rows = client.get(f"/members/export/?idq={token}").content
    from dangjian.members.tests.test_workbook_export import _rows

    assert [r[0] for r in _rows(rows)[2:]] == ["导出链接"]
    entries = AuditEntry.objects.count()
    stale = client_for("secretary1").get(f"/members/export/?idq={token}", follow=True)
    assert "已失效，未导出" in stale.content.decode()
    assert AuditEntry.objects.count() == entries + 1  # only the second login


def test_odd_scope_values_list_nobody_rather_than_fail(client_for) -> None:
    for value in ("²", "١", "99999999999999999999", "-1"):
        assert client_for("supervisor").get("/members/", {"org": value}).status_code == 200
