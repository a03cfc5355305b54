from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import AuditEvent, Membership, Organisation, Role
from portal.scheduler.runs import run_job
from tests import factories

EN = {"Accept-Language": "en"}


def test_admin_creates_an_organisation_and_grants_a_role(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    login_as("admin")
    response = client.post(
        "/admin/organisations/new",
        data={
            "name_zh": "吉林市生态环境局",
            "name_en": "Jilin City Ecology Bureau",
            "kind": "regulator",
            "city_code": "220200",
        },
        headers=EN,
    )
    assert response.status_code == 302
    shown = client.get(response.headers["Location"], headers=EN).text
    assert "Organisation Jilin City Ecology Bureau created." in shown
    org = db.session.scalar(select(Organisation).where(Organisation.name_zh == "吉林市生态环境局"))
    member = factories.make_user()
    page = client.post(
        f"/admin/organisations/{org.id}/members",
        data={"login": member.phone, "role": "staff"},
        headers={**EN, "HX-Request": "true"},
    )
    assert page.status_code == 200
    assert "<html" not in page.text  # an htmx fragment, not a page
    assert member.display_name in page.text and "Role granted." in page.text
    assert page.headers["Vary"] == "HX-Request, Cookie" or "HX-Request" in page.headers["Vary"]
    db.session.refresh(member)
    assert Role.OFFICIAL in member.roles


def test_an_organisation_filter_without_matches_says_so(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    login_as("admin")
    factories.make_org(kind="school")
    assert (
        "No organisation of this kind."
        in client.get("/admin/organisations?kind=bank", headers=EN).text
    )
    assert "没有此类型的机构。" in client.get("/admin/organisations?kind=bank").text
    assert (
        "No organisation of this kind." not in client.get("/admin/organisations", headers=EN).text
    )


def test_grant_to_unknown_login_shows_the_error_in_the_fragment(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    login_as("admin")
    org = factories.make_org()
    page = client.post(
        f"/admin/organisations/{org.id}/members",
        data={"login": "13700000000", "role": "staff"},
        headers={**EN, "HX-Request": "true"},
    )
    assert page.status_code == 200 and "No account has this login." in page.text
    assert db.session.scalar(select(Membership)) is None


def test_duplicate_organisation_name_is_refused(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    login_as("admin")
    factories.make_org(name_zh="重复机构")
    response = client.post(
        "/admin/organisations/new",
        data={"name_zh": "重复机构", "name_en": "Dup", "kind": "school", "city_code": "220100"},
        headers=EN,
    )
    assert response.status_code == 422 and "already exists" in response.text


def test_bad_credit_code_is_refused(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as("admin")
    response = client.post(
        "/admin/organisations/new",
        data={
            "name_zh": "某企业",
            "name_en": "Co",
            "kind": "enterprise",
            "city_code": "220100",
            "unified_credit_code": "123",
        },
        headers=EN,
    )
    assert response.status_code == 422 and "18 characters" in response.text


def test_revoke_a_role(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as("admin")
    org = factories.make_org()
    membership = factories.make_membership(factories.make_user(), org)
    page = client.post(f"/admin/organisations/{org.id}/members/{membership.id}/revoke", headers=EN)
    assert page.status_code == 200 and "Role withdrawn." in page.text
    assert db.session.get(Membership, membership.id) is None


def test_user_search_and_pagination(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as("admin")
    for n in range(30):
        factories.make_user(display_name=f"骑行者{n:02d}")
    first = client.get("/admin/users?q=骑行者", headers=EN)
    assert "Page 1 of 2" in first.text
    second = client.get("/admin/users?q=骑行者&page=2", headers={**EN, "HX-Request": "true"})
    assert "<html" not in second.text and "Page 2 of 2" in second.text
    for page in ("abc", "-1", "9" * 30):  # not a page, before the first, past any OFFSET
        assert client.get(f"/admin/users?q=骑行者&page={page}", headers=EN).status_code == 200
    none = client.get("/admin/users?q=nobody-at-all", headers=EN)
    assert "No account matches this search." in none.text


def test_make_admin_is_audited(client: FlaskClient, db: Any, login_as: Any) -> None:
    admin = login_as("admin")
    other = factories.make_user()
    client.post(f"/admin/users/{other.id}/admin", data={"is_admin": "1"})
    db.session.refresh(other)
    assert other.is_admin
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.admin_granted"))
    assert event.actor_id == admin.id and event.subject_id == str(other.id)


def test_audit_log_search(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as("admin")
    client.post("/auth/logout")
    login_as("admin")
    client.post("/auth/login", data={"login": "13700000000", "password": "Wrong2026pass"})
    page = client.get("/admin/audit?action=auth.login_failed", headers=EN)
    assert "auth.login_failed" in page.text and "auth.logout" not in page.text
    dated = client.get("/admin/audit?since=2000-01-01&until=2000-01-02", headers=EN)
    assert "No audit events match these filters." in dated.text
    bad = client.get("/admin/audit?since=not-a-date", headers=EN)
    assert bad.status_code == 200 and "Not a valid date value." in bad.text
    for query in ("until=9999-12-31", "since=0001-01-01&until=0001-01-01"):
        edge = client.get(f"/admin/audit?{query}", headers=EN)
        assert edge.status_code == 200 and "Choose a date from 2000 to 2999." in edge.text
    assert "请选择2000年至2999年之间的日期。" in client.get("/admin/audit?until=9999-12-31").text


def test_jobs_page_shows_the_last_heartbeat(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as("admin")
    assert "never" in client.get("/admin/jobs", headers=EN).text
    run_job(client.application, "heartbeat")
    page = client.get("/admin/jobs", headers=EN)
    assert "Alive on" in page.text and "status-ok" in page.text
    assert "Every 1 minute" in page.text and ">Succeeded<" in page.text
    zh = client.get("/admin/jobs").text
    assert "每1分钟" in zh and ">成功<" in zh and "interval" not in zh
