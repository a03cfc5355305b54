"""Demo badges: the badges job run over the demo citizens' quantified records and donations."""

from __future__ import annotations

from portal.gamification.services import evaluate_badges


def seed_badges() -> int:
    """Award the badges the demo activity has earned (idempotent); returns how many were new."""
    return evaluate_badges().awarded
