"""以碳代偿 case rules: 案号 forms accepted and refused, the value-to-tonnes rounding (a property
test), pseudonyms, judgment links, deadlines and the checked values of a whole case."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.errors import InvalidInput
from portal.market.cases import rules
from tests.factories.cases import case_fields

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("（2024）吉0102民初1234号", "（2024）吉0102民初1234号"),
        ("(2024)吉01刑初56号", "（2024）吉01刑初56号"),
        ("（2023）吉刑终12号", "（2023）吉刑终12号"),  # the high court has no digits
        ("(2022)闽0781刑初187号", "（2022）闽0781刑初187号"),  # Shunchang-style
        ("（2022）赣0881刑初38号", "（2022）赣0881刑初38号"),
        ("（2023）皖1022民特3号", "（2023）皖1022民特3号"),
        ("（2025）吉7101执恢4号", "（2025）吉7101执恢4号"),  # a forest-region court
        ("（2024）吉02行初9号", "（2024）吉02行初9号"),
        ("（2024）吉02执88号", "（2024）吉02执88号"),
        (" （2024） 吉02民终 7号 ", "（2024）吉02民终7号"),  # spaces ignored
        ("（2026）吉0102民初1号", "（2026）吉0102民初1号"),
    ],
)
def test_standard_case_numbers_are_accepted_and_stored_full_width(
    text: str, canonical: str, app: object
) -> None:
    assert rules.parse_case_number(text, TODAY.year).text == canonical


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024吉0102民初1234号",  # no parentheses
        "（24）吉0102民初1234号",  # a two-digit year
        "（2024）0102民初1234号",  # no province
        "（2024）X0102民初1234号",
        "（2024）吉0102民初号",  # no number
        "（2024）吉0102民初0号",
        "（2024）吉0102民初012号",  # a leading zero
        "（2024）吉0102民初1234",  # no 号
        "（2024）吉0102民x1234号",  # an unknown case type
        "（2024）吉0102民初1234号 extra",
        "（1989）吉0102民初1号",  # before 1990
        "（2027）吉0102民初1号",  # a future year
        "（2024]吉0102民初1号",
    ],
)
def test_malformed_case_numbers_are_refused_naming_the_field(text: str, app: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.parse_case_number(text, TODAY.year)
    assert refused.value.field == "case_number"


@given(st.integers(0, rules.MAX_DAMAGE_FEN), st.integers(1, rules.MAX_PRICE_FEN))
def test_value_conversion_rounds_up_to_the_fewest_tonnes_that_cover_the_damage(
    damage: int, price: int
) -> None:
    tonnes = rules.tonnes_for_value(damage, price)
    assert tonnes * price >= damage
    assert (tonnes - 1) * price < damage or tonnes == 0


def test_real_cases_convert_as_reported() -> None:
    assert rules.tonnes_for_value(308_200, 4_500) == 69  # Xiuning: 68.49 t, a part tonne up
    assert rules.tonnes_for_value(4_000_000, 10_000) == 400  # Shunchang: ¥40,000 at ¥100/t


def test_required_tonnes_by_method(app: object) -> None:
    assert rules.required_tonnes("value_price", 308_200, 4_500, None) == (69, 4_500)
    assert rules.required_tonnes("appraisal_tonnes", 0, 4_500, 40) == (40, None)
    for method, damage, price, tonnes, field in [
        ("value_price", 0, 4_500, None, "damage_yuan"),  # zero tonnes
        ("value_price", 100, None, None, "price_yuan"),
        ("value_price", 100, 0, None, "price_yuan"),
        ("appraisal_tonnes", 100, None, 0, "appraisal_tonnes"),
        ("appraisal_tonnes", 100, None, None, "appraisal_tonnes"),
        ("guess", 100, 1, 1, "method"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            rules.required_tonnes(method, damage, price, tonnes)
        assert refused.value.field == field


def test_pseudonyms() -> None:
    assert rules.pseudonym("张三丰", is_org=False) == ("张某", "Zhang (pseudonymised)")
    assert rules.pseudonym("邓小明", is_org=False) == ("邓某", "Deng (pseudonymised)")
    assert rules.pseudonym("龘某", is_org=False) == ("龘某", "the defendant (pseudonymised)")
    assert rules.pseudonym("吉林某木业有限公司", is_org=True)[0] == "某单位"


def test_judgment_links_must_be_https(app: object) -> None:
    assert rules.https_url("") is None
    assert rules.https_url(" https://wenshu.court.gov.cn/x ") == "https://wenshu.court.gov.cn/x"
    for bad in ["http://wenshu.court.gov.cn/x", "javascript:alert(1)", "https://", "ftp://a/b"]:
        with pytest.raises(InvalidInput) as refused:
            rules.https_url(bad)
        assert refused.value.field == "judgment_url"


def test_case_values_check_every_field(app: object) -> None:
    fields = case_fields(deadline_on=TODAY + timedelta(days=30))
    values = rules.case_values(fields, TODAY)
    assert values["required_tonnes"] == 69 and values["public_defendant_zh"] == "张某"
    assert values["case_number"].startswith("（2024）")  # type: ignore[union-attr]
    refusals = {
        "damage_yuan": replace(fields, damage_fen=-1),
        "deadline_on": replace(fields, deadline_on=TODAY - timedelta(days=1)),
        "case_type": replace(fields, case_type="tort"),
        "court_zh": replace(fields, court_zh=" "),
        "public_defendant_zh": replace(fields, public_defendant_zh="张三丰"),
        "judgment_url": replace(fields, judgment_url="http://example.com"),
    }
    for field, bad in refusals.items():
        with pytest.raises(InvalidInput) as refused:
            rules.case_values(bad, TODAY)
        assert refused.value.field == field
    kept = replace(fields, deadline_on=TODAY - timedelta(days=1))
    assert rules.case_values(kept, TODAY, current_deadline=kept.deadline_on)["deadline_on"]


def test_progress_and_lateness() -> None:
    assert rules.progress_permille(35, 69) == 507
    assert rules.progress_permille(100, 69) == 1000
    assert rules.is_late(TODAY, TODAY - timedelta(days=1))
    assert not rules.is_late(TODAY, TODAY)
