"""What citizens read about each seed methodology, in Chinese and English (``data/texts.yaml``).

The two factor data files are written for the people who keep the figures; these texts are what
the methodology pages and the reduction explanation show: the behaviour, how a reduction is
worked out, what is counted, the caps, and each factor's and record parameter's name in words
with a note. Pure data: no database, no Flask; the caller passes the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from portal.methodology.seed_fields import SpecError, read_mapping, read_text

Language = Literal["zh", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("zh", "en")
TEXTS_FILE: Final = Path(__file__).resolve().parent / "data" / "texts.yaml"
_PROSE: Final = ("scenario", "description", "activity", "caps")


@dataclass(frozen=True)
class NamedText:
    """A factor or record parameter in words: ``name`` (short), ``note`` (what it is) and, for
    a factor, its ``unit`` ("" where not given: the unit as filed is shown alone)."""

    name: str
    note: str
    unit: str = ""


@dataclass(frozen=True)
class MethodologyTexts:
    """One methodology's citizen texts in one language."""

    scenario: str
    description: str
    activity: str
    caps: str
    factors: Mapping[str, NamedText]
    parameters: Mapping[str, NamedText]


def _pair(value: Any, where: str) -> Mapping[Language, str]:
    data = read_mapping(value, where)
    if set(data) != set(LANGUAGES):
        raise SpecError(f"{where}: expected exactly zh and en, got {sorted(data)}")
    return {lang: read_text(data[lang], f"{where}.{lang}") for lang in LANGUAGES}


def _named(
    value: Any, where: str, parts: tuple[str, ...] = ("name", "note")
) -> Mapping[str, Mapping[str, Mapping[Language, str]]]:
    named = {}
    for key, raw in read_mapping(value or {}, where).items():
        entry = read_mapping(raw, f"{where}.{key}")
        if entry.keys() - set(parts):
            raise SpecError(f"{where}.{key}: unknown keys {sorted(entry.keys() - set(parts))}")
        named[str(key)] = {part: _pair(entry.get(part), f"{where}.{key}.{part}") for part in parts}
    return named


def _in_language(
    named: Mapping[str, Mapping[str, Mapping[Language, str]]], lang: Language
) -> Mapping[str, NamedText]:
    return {
        key: NamedText(
            parts["name"][lang], parts["note"][lang], parts.get("unit", {}).get(lang, "")
        )
        for key, parts in named.items()
    }


def parse_texts(data: Any) -> Mapping[str, Mapping[Language, MethodologyTexts]]:
    """Check the parsed texts file and return, per code, per language, its
    :class:`MethodologyTexts`. Raises :class:`SpecError` on a missing language or field."""
    parsed: dict[str, dict[Language, MethodologyTexts]] = {}
    for code, raw in read_mapping(data, "texts.yaml").items():
        entry = read_mapping(raw, f"texts {code}")
        unknown = entry.keys() - {*_PROSE, "factors", "parameters"}
        if unknown:
            raise SpecError(f"texts {code}: unknown keys {sorted(unknown)}")
        prose = {part: _pair(entry.get(part), f"texts {code}.{part}") for part in _PROSE}
        factors = _named(entry.get("factors"), f"texts {code}.factors", ("name", "unit", "note"))
        parameters = _named(entry.get("parameters"), f"texts {code}.parameters")
        parsed[str(code)] = {
            lang: MethodologyTexts(
                scenario=prose["scenario"][lang],
                description=prose["description"][lang],
                activity=prose["activity"][lang],
                caps=prose["caps"][lang],
                factors=_in_language(factors, lang),
                parameters=_in_language(parameters, lang),
            )
            for lang in LANGUAGES
        }
    return parsed


@cache
def _load() -> Mapping[str, Mapping[Language, MethodologyTexts]]:
    with TEXTS_FILE.open(encoding="utf-8") as handle:
        return parse_texts(yaml.safe_load(handle))


def get_texts(code: str, language: str) -> MethodologyTexts | None:
    """The citizen texts of methodology ``code`` in ``language`` (``zh`` or ``en``; anything
    else reads as ``zh``, the default language), or ``None`` for a methodology the data file
    does not describe (one filed by officials through the forms)."""
    entry = _load().get(code)
    if entry is None:
        return None
    return entry["en" if language == "en" else "zh"]


# A version filed through the forms keeps its citizen texts under this key of its definition:
# {"description" | "activity" | "caps": {"zh", "en"}, "factors": {name: {"name", "note"}}}.
STORED_KEY: Final = "texts"
STORED_PARTS: Final = ("description", "activity", "caps")


def stored_texts(
    parts: Mapping[str, tuple[str, str]], factors: Mapping[str, Mapping[str, tuple[str, str]]]
) -> dict[str, Any]:
    """The ``texts`` entry of a definition from (zh, en) pairs; a pair left empty in both
    languages is left out, so a version without citizen texts stores none."""
    stored: dict[str, Any] = {
        part: dict(zip(LANGUAGES, pair, strict=True)) for part, pair in parts.items() if any(pair)
    }
    words = {
        name: {part: dict(zip(LANGUAGES, pair, strict=True)) for part, pair in named.items()}
        for name, named in factors.items()
        if any(any(pair) for pair in named.values())
    }
    if words:
        stored["factors"] = words
    return stored


def stored_text(definition: Mapping[str, Any], part: str, language: str) -> str:
    """Part ``part`` of a definition's stored texts in ``language`` ("" when not given)."""
    pair = definition.get(STORED_KEY, {}).get(part) or {}
    return str(pair.get("en" if language == "en" else "zh") or "")


def stored_factor(definition: Mapping[str, Any], name: str, language: str) -> NamedText | None:
    """Factor ``name`` in words as the definition stores it, or ``None`` when not given."""
    named = definition.get(STORED_KEY, {}).get("factors", {}).get(name)
    if not named:
        return None
    lang = "en" if language == "en" else "zh"
    return NamedText(str(named["name"].get(lang) or name), str(named["note"].get(lang) or ""))


def described_codes() -> frozenset[str]:
    """The methodology codes the texts file describes."""
    return frozenset(_load())
