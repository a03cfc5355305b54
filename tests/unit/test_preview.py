"""The formula preview an official reads before filing: samples, maxima, corners and the cap."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from portal.methodology.engine import Caps
from portal.methodology.preview import preview_formula
from portal.methodology.seed_specs import get_spec


def _rows(code: str) -> dict[str, tuple[dict[str, D], int | None]]:
    preview = preview_formula(get_spec(code))
    return {s.kind: (dict(s.inputs), s.grams) for s in preview.samples}


def test_the_largest_corner_finds_what_the_maxima_miss() -> None:
    # Q and the baseline both at their maxima save nothing; Q = 0 against the largest baseline
    # is 30 % of 100 kWh at the Jilin grid factor: the grams cap, exactly.
    preview = preview_formula(get_spec("JLCH-HS-003"))
    rows = _rows("JLCH-HS-003")
    assert rows["plausible_max"] == ({"Q": D(100), "baseline_kwh": D(100)}, 0)
    assert rows["largest_corner"] == ({"Q": D(0), "baseline_kwh": D(100)}, 14013)
    assert rows["one_unit"][0] == {"Q": D(1), "baseline_kwh": D(50)}  # the range's middle
    assert (preview.cap_grams, preview.cap_period) == (14013, "day")
    assert not any(preview.is_capped(s) for s in preview.samples)


def test_the_cap_bites_on_a_record_at_the_plausible_maxima() -> None:
    preview = preview_formula(get_spec("JLCH-TR-004"))
    by_kind = {s.kind: s for s in preview.samples}
    # 30 km on a bike (is_ebike = 0) is 1,200 g; the day's grams cap keeps 800.
    corner = by_kind["largest_corner"]
    assert dict(corner.inputs) == {"Q": D(30), "is_ebike": D(0)} and corner.grams == 1200
    assert preview.is_capped(corner) and preview.credited(corner) == 800
    assert by_kind["one_unit"].grams == 33  # the e-bike default, 1 km


def test_a_version_without_a_grams_cap_previews_without_one() -> None:
    preview = preview_formula(replace(get_spec("JLCH-TR-003"), caps=Caps()))
    assert preview.cap_grams is None and preview.cap_period is None
    (one, maxima) = preview.samples
    assert maxima.grams == 4000 and preview.credited(maxima) == 4000  # 100 km x 40 g
    assert one.grams == 40 and not preview.is_capped(maxima)
