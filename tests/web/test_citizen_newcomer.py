"""What a newcomer tripped over on the citizen's pages: phone tables, where partner records come
from, evidence announced before submitting, partner names in the reader's language, plurals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from portal.accounts.models import AuditEvent, OrgKind
from portal.activities.models import Channel
from portal.activities.quantify import quantify_pending
from tests import factories
from tests.factories.base import save

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _cells(html: str, css_class: str) -> list[str]:
    """The inner text of each ``<td class="…css_class…">`` on the page."""
    pattern = rf'<td[^>]*class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</td>'
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(pattern, html, re.S)]


def _partner(methodologies: Any, *codes: str) -> Any:
    org = factories.make_org(
        kind=OrgKind.PARTNER, name_zh="长春轨道交通集团", name_en="Changchun Rail Transit"
    )
    return factories.make_partner(list(codes), name="长春地铁", organisation_id=org.id)


def test_reductions_table_is_cards_with_the_amount_first(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    user = login_as("citizen")
    factories.make_record(
        user,
        methodologies["JLCH-TR-003"],
        datetime.now(UTC) - timedelta(days=1),
        1000,
        channel=Channel.SELF_REPORT,
    )
    quantify_pending(points_per_kg=25)  # 1 km x 40 g/km = 40 g: one point
    page = client.get("/me/reductions", headers=EN).text
    assert 'class="table cards"' in page
    assert _cells(page, "card-key") == ["40"]
    assert "How was this computed?" in "".join(_cells(page, "card-action"))
    assert 'data-label="Points"' in page and 'data-label="Behaviour"' in page
    labels = re.findall(r'stat-label">([^<]*)<', page)
    assert labels == ["CO₂e reduced", "point earned", "reduction"]  # not "1 points", "1 reductions"


def test_data_access_table_is_cards_with_the_viewer_first(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    user = login_as("citizen")
    save(
        AuditEvent(
            action="personal_data.read",
            subject_type="user",
            subject_id=user.id,
            details={"purpose": "flag review"},
        )
    )
    page = client.get("/me/data-access", headers=EN).text
    assert 'class="table cards"' in page
    assert _cells(page, "card-key") == ["Ecology official"]
    assert 'data-label="When"' in page and 'data-label="Why"' in page


def test_the_citizen_tab_bar_wraps_on_a_phone(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    page = client.get("/me/data-access", headers=EN).text
    assert '<nav class="subnav subnav-wrap"' in page  # every tab, the active one too, on screen


def test_log_page_says_which_partner_reports_which_scenario(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    login_as("citizen")
    _partner(methodologies, "JLCH-TR-007", "JLCH-TR-008")
    page = client.get("/me/log", headers=EN).text
    assert "Recorded by linked apps" in page and 'href="/me/links"' in page
    section = page[page.index("Recorded by linked apps") :]
    assert "Changchun Rail Transit" in section
    assert methodologies["JLCH-TR-007"].title_en in section
    assert methodologies["JLCH-TR-008"].title_en in section
    # A partner-only scenario no partner reports yet is named too, as waiting for one.
    assert "No partner platform reports these yet" in section
    assert methodologies["JLCH-SH-001"].title_en in section
    zh = client.get("/me/log", headers=ZH).text
    assert "长春地铁" in zh and methodologies["JLCH-TR-007"].title_zh in zh


def test_evidence_is_announced_before_submitting(
    client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    login_as("citizen")
    listing = client.get("/me/log/transport", headers=EN).text
    cycling = listing[listing.index(methodologies["JLCH-TR-003"].title_en) :].split("</li>")[0]
    assert "picture of a document" in cycling
    walking = listing[listing.index(methodologies["JLCH-TR-001"].title_en) :].split("</li>")[0]
    assert "evidence" not in walking.lower()
    housing = client.get("/me/log/housing", headers=EN).text
    assert "picture of a document" in housing
    form = client.get("/me/log/transport/JLCH-TR-003", headers=EN).text
    assert "(required)" in form and re.search(r'<input[^>]*id="photo"[^>]*required', form)
    assert form.index("picture of a document") < form.index('id="quantity"')  # said up front
    zh = client.get("/me/log/housing/JLCH-HS-001", headers=ZH).text
    assert "（必填）" in zh
    walk = client.get("/me/log/transport/JLCH-TR-001", headers=EN).text
    assert "(required)" not in walk


def test_partner_records_and_links_name_the_partner_in_the_reader_language(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    user = login_as("citizen")
    partner = _partner(methodologies, "JLCH-TR-007")
    factories.link(partner, user)
    record = factories.make_record(
        user, methodologies["JLCH-TR-007"], datetime.now(UTC) - timedelta(days=1), 3000
    )
    record.partner_id = partner.id
    db.session.flush()
    records = client.get("/me/records", headers=EN).text
    assert "from Changchun Rail Transit" in records
    assert "长春地铁" in client.get("/me/records", headers=ZH).text
    links = client.get("/me/links", headers=EN).text
    assert "Changchun Rail Transit" in links and "长春地铁" not in links
    assert "长春地铁" in client.get("/me/links", headers=ZH).text


def test_one_meal_is_singular(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    user = login_as("citizen")
    factories.make_record(
        user,
        methodologies["JLCH-FD-001"],
        datetime.now(UTC) - timedelta(days=1),
        1000,
        unit="meal",
        channel=Channel.SELF_REPORT,
    )
    factories.make_record(
        user,
        methodologies["JLCH-FD-001"],
        datetime.now(UTC) - timedelta(days=2),
        2000,
        unit="meal",
        channel=Channel.SELF_REPORT,
    )
    page = client.get("/me/records", headers=EN).text
    assert re.search(r"\b1 meal\s+·", page) and "1 meals" not in page and "2 meals" in page
    assert "1 餐" in client.get("/me/records", headers=ZH).text
