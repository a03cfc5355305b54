"""Headline figures for public pages."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.queries import count_participants


@dataclass(frozen=True)
class HeadlineCounters:
    participants: int
    records: int
    grams_reduced: int


def get_headline_counters() -> HeadlineCounters:
    """Participants, behaviour records and grams CO₂e reduced across the platform.

    Records and grams are sums over the behaviour-record and reduction tables, which the
    activities package adds; until those tables exist there is nothing to sum.
    """
    return HeadlineCounters(participants=count_participants(), records=0, grams_reduced=0)
