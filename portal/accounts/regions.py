"""Jilin's nine prefecture-level divisions, keyed by administrative division code (GB/T 2260)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    code: str
    name_zh: str
    name_en: str


CITIES: tuple[City, ...] = (
    City("220100", "长春市", "Changchun"),
    City("220200", "吉林市", "Jilin City"),
    City("220300", "四平市", "Siping"),
    City("220400", "辽源市", "Liaoyuan"),
    City("220500", "通化市", "Tonghua"),
    City("220600", "白山市", "Baishan"),
    City("220700", "松原市", "Songyuan"),
    City("220800", "白城市", "Baicheng"),
    City("222400", "延边朝鲜族自治州", "Yanbian Korean Autonomous Prefecture"),
)

CITY_BY_CODE: dict[str, City] = {city.code: city for city in CITIES}


def city_name(code: str | None, language: str) -> str:
    """The city's name in ``language`` ("zh" or "en"); empty for an unknown code."""
    city = CITY_BY_CODE.get(code or "")
    if city is None:
        return ""
    return city.name_zh if language == "zh" else city.name_en
