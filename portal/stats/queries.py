"""Headline figures for public pages."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.queries import count_participants
from portal.activities.queries import platform_counters


@dataclass(frozen=True)
class HeadlineCounters:
    participants: int
    records: int
    grams_reduced: int


def get_headline_counters() -> HeadlineCounters:
    """Participants, behaviour records and grams CO₂e reduced across the platform."""
    records, grams = platform_counters()
    return HeadlineCounters(participants=count_participants(), records=records, grams_reduced=grams)
