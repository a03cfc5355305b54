"""Every seed methodology is described for citizens in both languages: the behaviour, how a
reduction is worked out, what is counted, the caps, every factor of its formula by name, unit
and note and every record parameter by name and note (``portal/methodology/data/texts.yaml``)."""

from __future__ import annotations

import re

import pytest

from portal.methodology.seed_fields import SpecError
from portal.methodology.seed_specs import load_specs
from portal.methodology.texts import LANGUAGES, described_codes, get_texts, parse_texts

CJK = re.compile(r"[\u3400-\u9fff]")
# Three Latin words in a row is English prose; units (kg, kWh) and codes stand alone.
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*){2,}")
# Developer talk that must stay in the code: file names, module internals.
DEVELOPER = re.compile(r"\.py\b|intake|overlay|formula_|_text\b")


def _all_texts(code: str, language: str) -> list[str]:
    texts = get_texts(code, language)
    assert texts is not None, code
    named = [*texts.factors.values(), *texts.parameters.values()]
    return [
        texts.scenario,
        texts.description,
        texts.activity,
        texts.caps,
        *(n.name for n in named),
        *(n.note for n in named),
        *(f.unit for f in texts.factors.values()),
    ]


def test_every_seed_methodology_has_texts_for_each_factor_and_parameter() -> None:
    specs = load_specs()
    assert described_codes() == {spec.code for spec in specs}
    for spec in specs:
        for language in LANGUAGES:
            texts = get_texts(spec.code, language)
            assert texts is not None
            assert set(texts.factors) == {f.name for f in spec.factors}, spec.code
            assert set(texts.parameters) == {p.name for p in spec.parameters}, spec.code
            assert all(t.strip() for t in _all_texts(spec.code, language)), spec.code


@pytest.mark.parametrize("code", sorted(described_codes()))
def test_texts_are_in_their_own_language_and_for_citizens(code: str) -> None:
    for text in _all_texts(code, "zh"):
        assert not LATIN_RUN.search(text), (code, text)
        assert CJK.search(text), (code, text)
    for text in _all_texts(code, "en"):
        assert not CJK.search(text), (code, text)
    for language in LANGUAGES:
        for text in _all_texts(code, language):
            assert not DEVELOPER.search(text), (code, text)


def test_the_clean_plate_note_does_not_call_luzhou_points_ours() -> None:
    # The data file's "144 g (5 points)" sat beside "144 积分" on the reduction page.
    for language in LANGUAGES:
        note = get_texts("JLCH-FD-001", language).factors["recommended"].note  # type: ignore[union-attr]
        assert "144" in note and "(5 points)" not in note
    assert "本平台按 1 克计 1 积分" in get_texts("JLCH-FD-001", "zh").factors["recommended"].note  # type: ignore[union-attr]


def test_a_missing_language_is_refused() -> None:
    entry = {
        part: {"zh": "步行", "en": "Walking"}
        for part in ("scenario", "description", "activity", "caps")
    }
    parse_texts({"JLCH-TR-001": entry})
    with pytest.raises(SpecError, match="zh and en"):
        parse_texts({"JLCH-TR-001": {**entry, "caps": {"zh": "每天最多 300 克"}}})
    with pytest.raises(SpecError, match="zh and en"):
        parse_texts(
            {"JLCH-TR-001": {**entry, "factors": {"recommended": {"name": {"zh": "每千步"}}}}}
        )
    both = {"zh": "每千步减排量", "en": "Reduction per 1,000 steps"}
    with pytest.raises(SpecError, match="unit"):  # a factor says its unit in words
        parse_texts(
            {"JLCH-TR-001": {**entry, "factors": {"recommended": {"name": both, "note": both}}}}
        )
    with pytest.raises(SpecError, match="unknown keys"):
        parse_texts(
            {
                "JLCH-TR-001": {
                    **entry,
                    "parameters": {"x": {"name": both, "note": both, "unit": both}},
                }
            }
        )


def test_a_methodology_the_file_does_not_describe_has_no_texts() -> None:
    assert get_texts("JLCH-XX-999", "zh") is None
