"""The public methodology library: the 22 filed methodologies, their factors, sources, history."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.accounts.models import Role
from portal.clock import utcnow
from portal.methodology import services
from portal.methodology.queries import get_methodology_by_code
from portal.methodology.seed_specs import get_spec
from tests import factories

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
CSS = Path(__file__).resolve().parents[2] / "portal/static/css/app.css"


@pytest.fixture
def seeded(db: Any) -> None:
    services.seed_filed_methodologies()


def test_index_lists_all_22_with_links(client: FlaskClient, seeded: None) -> None:
    page = client.get("/methodologies/", headers=EN)
    assert page.status_code == 200
    links = set(re.findall(r'href="/methodologies/(JLCH-[A-Z]{2}-\d{3})"', page.text))
    assert len(links) == 22 and "JLCH-HS-003" in links
    assert "Transport" in page.text and "Cycling (own bicycle)" in page.text
    assert "Points only" in page.text and "Saleable" in page.text


def test_index_in_chinese_by_default(client: FlaskClient, seeded: None) -> None:
    page = client.get("/methodologies/", headers=ZH)
    assert "骑行" in page.text and "家庭住宅和办公场所节约用能" in page.text
    assert "公里" in page.text  # the km activity unit in Chinese


def test_index_empty_state(client: FlaskClient, db: Any) -> None:
    page = client.get("/methodologies/", headers=EN)
    assert page.status_code == 200 and "No methodology has been filed yet." in page.text


@pytest.mark.parametrize("headers", [EN, ZH], ids=["en", "zh"])
def test_electricity_detail_shows_the_jilin_grid_factor_and_its_source(
    client: FlaskClient, seeded: None, headers: dict[str, str]
) -> None:
    page = client.get("/methodologies/JLCH-HS-003", headers=headers)
    assert page.status_code == 200
    text = page.text
    assert "0.4671" in text and "kgCO2/kWh" in text
    assert "关于发布2023年电力二氧化碳排放因子的公告" in text
    assert 'rel="noopener noreferrer"' in text and "https://www.mee.gov.cn/" in text
    assert "baseline_kwh" in text  # the record parameter
    assert "min(max(0, baseline_kwh - Q), 0.3 * baseline_kwh) * ef_grid_jilin_2023" in text
    if headers is EN:
        assert "Saving electricity/gas at home and in offices" in text
        assert "Tanhui Jilin platform (seeded from sourced factor data)" in text
        assert "Filed from the platform" in text
    else:
        assert "家庭住宅和办公场所节约用能" in text and 'lang="zh-CN"' in text


def test_detail_lists_every_source_caps_and_bounds(client: FlaskClient, seeded: None) -> None:
    page = client.get("/methodologies/JLCH-TR-003", headers=EN).text
    for factor in get_spec("JLCH-TR-003").factors:
        assert factor.value.to_eng_string() in page
        for source in factor.sources:
            assert source.title.replace("'", "&#39;") in page
    assert "Per day" in page and "20" in page  # 20 km a day
    assert "25 km/h" in page
    assert "Document (invoice, certificate)" in page


def test_unknown_and_unfiled_codes_are_404(client: FlaskClient, seeded: None) -> None:
    assert client.get("/methodologies/JLCH-XX-999").status_code == 404
    developer = factories.make_user_with_role(Role.DEVELOPER)
    draft = factories.make_draft(
        developer, code="JLCH-TR-950", scenario_code="cycling", title_zh="草稿", title_en="A draft"
    )
    assert client.get(f"/methodologies/{draft.code}").status_code == 404
    assert "JLCH-TR-950" not in client.get("/methodologies/").text


def test_public_history_names_organisation_kinds_never_people(client: FlaskClient, db: Any) -> None:
    developer = factories.make_user_with_role(Role.DEVELOPER, display_name="开发者甲")
    official = factories.make_user_with_role(Role.OFFICIAL, display_name="审查员乙")
    draft = factories.make_draft(
        developer,
        code="JLCH-TR-951",
        scenario_code="cycling",
        title_zh="骑行（测试）",
        title_en="Cycling (test)",
    )
    services.submit(actor=developer, methodology_id=draft.id)
    services.review(actor=official, methodology_id=draft.id, action="start_review")
    services.review(
        actor=official,
        methodology_id=draft.id,
        action="file",
        effective_from=utcnow(),
        comment="同意备案",
    )
    page = client.get("/methodologies/JLCH-TR-951", headers=EN).text
    assert "Ecology official" in page and "Developer organisation" in page
    assert "同意备案" in page
    assert "开发者甲" not in page and "审查员乙" not in page
    assert developer.memberships[0].organisation.name_en in page  # the developer, by name


def test_suspended_and_retired_stay_public_with_a_notice(client: FlaskClient, seeded: None) -> None:
    official = factories.make_user_with_role(Role.OFFICIAL)
    bus = get_methodology_by_code("JLCH-TR-007")
    services.review(actor=official, methodology_id=bus.id, action="suspend", comment="核查数据")
    page = client.get("/methodologies/JLCH-TR-007", headers=EN)
    assert page.status_code == 200 and "Suspended:" in page.text and "核查数据" in page.text


def test_the_detail_page_is_printable(client: FlaskClient, seeded: None) -> None:
    page = client.get("/methodologies/JLCH-HS-003", headers=EN).text
    assert "print-only" in page and "no-print" in page
    css = CSS.read_text(encoding="utf-8")
    print_css = css[css.index("@media print") :]
    for hidden in (".site-header", ".site-footer", ".btn", ".no-print"):
        assert hidden in print_css
    assert "@page" in css and "A4" in css


def test_a_record_value_shows_its_plausible_range_and_version_2_its_note(
    client: FlaskClient, seeded: None
) -> None:
    page = client.get("/methodologies/JLCH-HS-003", headers=ZH).text
    assert "合理范围" in page and "0 – 100" in page
    assert "因子数据已对照来源核查" in page and "Factor data checked" not in page
    metro = client.get("/methodologies/JLCH-TR-008", headers=EN).text
    assert "0.0467" in metro and "citysz.net" in metro
