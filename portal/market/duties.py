"""Who may take a batch's next step (pure): the four-eyes rule (DESIGN.md §7, invariant 9).

A batch goes ``proposed`` → (an official reviews its sample) → ``sampled`` → (a second official
verifies, 核证) → ``verified`` → (a third official issues, 登记) → ``issued``. The official who
reviews the first sampled record owns the review; the verifier is not the reviewer; the issuer
is neither. Rejecting a batch at a step is that step's official's decision, held to the same
rule. The services refuse by these answers and the pages show them, so the rule is written once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.market.models import BatchStatus


class Step(enum.StrEnum):
    REVIEW = "review"
    VERIFY = "verify"
    ISSUE = "issue"


# The step a batch in this status waits for.
NEXT_STEP = {
    BatchStatus.PROPOSED.value: Step.REVIEW,
    BatchStatus.SAMPLED.value: Step.VERIFY,
    BatchStatus.VERIFIED.value: Step.ISSUE,
}


@dataclass(frozen=True)
class Officials:
    """Who already acted on a batch: the sample's reviewer (the one who began it, before the
    review is complete), the verifier."""

    reviewer_id: int | None
    verifier_id: int | None


def duty_problem(status: str, step: Step, officials: Officials, actor_id: int) -> Any | None:
    """Why ``actor_id`` may not take ``step`` (or reject at it) of a batch in ``status``, as a
    lazy translation; None when they may."""
    if NEXT_STEP.get(status) != step:
        return _l("This batch is not waiting for that step.")
    if step == Step.REVIEW:
        if officials.reviewer_id not in (None, actor_id):
            return _l("Another official is reviewing this sample; the review is theirs.")
        return None
    if actor_id == officials.reviewer_id:
        return (
            _l("You reviewed this batch's sample: a second official must verify it.")
            if step == Step.VERIFY
            else _l("You reviewed this batch's sample: a third official must issue it.")
        )
    if step == Step.ISSUE and actor_id == officials.verifier_id:
        return _l("You verified this batch: a third official must issue it.")
    return None


def rejection_step(status: str) -> Step:
    """The step at which a batch in ``status`` would be rejected: verification or issue (a
    review rejects by failing a sampled record)."""
    return Step.ISSUE if status == BatchStatus.VERIFIED else Step.VERIFY
