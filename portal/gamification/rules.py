"""The badge engine: the badge definitions (``data/badges.yaml``) and, given a person's progress
figures, which tiers they have earned and what the next tier still needs.

Pure: no database and no Flask; figures come in as integers in each measure's base unit (metres,
grams, days, counts), thresholds are written in the unit people read (km, kg) and scaled here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

DATA_FILE: Final = Path(__file__).resolve().parent / "data" / "badges.yaml"
LEVELS: Final = ("bronze", "silver", "gold")  # lowest first


@dataclass(frozen=True)
class Measure:
    """What a badge counts: ``scale`` base units per unit a threshold is written in."""

    code: str
    scale: int = 1


MEASURES: Final[Mapping[str, Measure]] = {
    m.code: m
    for m in (
        Measure("credited_records"),
        Measure("streak_days"),
        Measure("cycled_km", 1000),  # figures in metres
        Measure("walked_km", 1000),
        Measure("kg_reduced", 1000),  # figures in grams CO2e
        Measure("categories_tried"),
        Measure("donations"),
        Measure("campaigns_joined"),
        Measure("challenges_won"),
        Measure("quizzes_passed"),
        Measure("volunteer_activities"),
    )
}
STREAK: Final = "streak_days"
DISTANCES: Final = frozenset({"cycled_km", "walked_km"})


@dataclass(frozen=True)
class Tier:
    level: str  # one of LEVELS
    threshold: int  # in the measure's written unit (km, kg, days, …)
    base: int  # the same in base units (metres, grams, …)


@dataclass(frozen=True)
class Badge:
    key: str
    measure: Measure
    pictogram: str
    tiers: tuple[Tier, ...]  # bronze, silver, gold
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    scenarios: tuple[str, ...] = ()  # distance measures: the scenarios whose distance counts


@dataclass(frozen=True)
class Progress:
    """One person's figures by measure code (base units; a missing measure is 0) and, for the
    streak badge's "still needed", the run of days that is still alive (ending today or
    yesterday). ``figures[STREAK]`` is the longest run ever, which earns the tiers."""

    figures: Mapping[str, int] = field(default_factory=dict)
    current_streak: int = 0

    def of(self, measure: Measure) -> int:
        return self.figures.get(measure.code, 0)


def _badge(entry: Mapping[str, Any]) -> Badge:
    key = str(entry["key"])
    measure = MEASURES.get(str(entry["measure"]))
    if measure is None:
        raise ValueError(f"badge {key}: unknown measure {entry['measure']!r}")
    thresholds = entry["tiers"]
    if list(thresholds) != list(LEVELS):
        raise ValueError(f"badge {key}: tiers must be {', '.join(LEVELS)}, in that order")
    values = [int(thresholds[level]) for level in LEVELS]
    if values[0] <= 0 or values != sorted(set(values)):
        raise ValueError(f"badge {key}: thresholds must be positive and increasing")
    scenarios = tuple(str(s) for s in entry.get("scenarios", ()))
    if (measure.code in DISTANCES) != bool(scenarios):
        raise ValueError(f"badge {key}: scenarios go with (and only with) a distance measure")
    return Badge(
        key=key,
        measure=measure,
        pictogram=str(entry["pictogram"]),
        tiers=tuple(Tier(lv, v, v * measure.scale) for lv, v in zip(LEVELS, values, strict=True)),
        name_zh=str(entry["name"]["zh"]),
        name_en=str(entry["name"]["en"]),
        description_zh=str(entry["description"]["zh"]),
        description_en=str(entry["description"]["en"]),
        scenarios=scenarios,
    )


def parse_badges(data: Mapping[str, Any]) -> tuple[Badge, ...]:
    """The badges of a parsed data file, in its order; ValueError for a malformed entry."""
    badges = tuple(_badge(entry) for entry in data["badges"])
    keys = [b.key for b in badges]
    if len(set(keys)) != len(keys):
        raise ValueError("badge keys must be unique")
    return badges


@cache
def load_badges() -> tuple[Badge, ...]:
    """The badges of ``data/badges.yaml`` (read once)."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return parse_badges(yaml.safe_load(handle))


def get_badge(key: str) -> Badge | None:
    return next((b for b in load_badges() if b.key == key), None)


def earned_tiers(badge: Badge, progress: Progress) -> tuple[Tier, ...]:
    """The tiers of ``badge`` that ``progress`` has reached, lowest first."""
    value = progress.of(badge.measure)
    return tuple(t for t in badge.tiers if value >= t.base)


def due_awards(
    progress_by_user: Mapping[int, Progress], badges: Iterable[Badge] | None = None
) -> list[tuple[int, str, str]]:
    """Every (user id, badge key, level) that each person's progress has reached, whether or
    not it is already awarded (the award table's unique key skips those)."""
    chosen = tuple(load_badges() if badges is None else badges)
    return [
        (user_id, badge.key, tier.level)
        for user_id, progress in progress_by_user.items()
        for badge in chosen
        for tier in earned_tiers(badge, progress)
    ]


@dataclass(frozen=True)
class NextStep:
    """The next tier not yet reached and how much it still needs, in base units (days for the
    streak: its threshold less the live run, since a broken run starts again)."""

    tier: Tier
    still_needed: int
    done: int  # how far the person is toward it, in base units, for a progress bar


def next_step(badge: Badge, progress: Progress) -> NextStep | None:
    """What ``badge``'s next tier needs, or None when all its tiers are reached."""
    reached = len(earned_tiers(badge, progress))
    if reached == len(badge.tiers):
        return None
    tier = badge.tiers[reached]
    done = progress.current_streak if badge.measure.code == STREAK else progress.of(badge.measure)
    return NextStep(tier, max(tier.base - done, 0), min(done, tier.base))


def in_written_unit(badge: Badge, base_amount: int) -> Decimal:
    """``base_amount`` in the unit thresholds are written in: whole for counts and days; for km
    and kg rounded up to one decimal, so "still needed" is never shown as less than it is."""
    scale = badge.measure.scale
    if scale == 1:
        return Decimal(base_amount)
    return Decimal(-(-base_amount * 10 // scale)) / 10
