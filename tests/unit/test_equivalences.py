"""The account page's equivalences come from sourced figures, never a number of our own."""

from __future__ import annotations

from portal.stats.equivalences import load_equivalences


def test_each_equivalence_is_a_published_figure_with_its_source() -> None:
    car, tree = load_equivalences()
    assert (car.code, car.grams_per_unit, car.value) == ("car_km", 160, 0.160)  # ef_car_ice
    assert (tree.code, tree.grams_per_unit) == ("tree_seedlings_10y", 60_500)
    assert tree.issuer == "U.S. Environmental Protection Agency" and tree.year == 2021
    for figure in (car, tree):
        assert figure.url.startswith(("http://", "https://")) and figure.title and figure.note


def test_tenths_round_down_and_never_go_negative() -> None:
    car, tree = load_equivalences()
    assert car.tenths(241_000) == 15_062 and tree.tenths(241_000) == 39
    assert car.tenths(159) == 9 and car.tenths(-500) == 0
