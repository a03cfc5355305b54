"""Demo certificates: the carbon milestones the demo citizens' quantified records reached."""

from __future__ import annotations

from portal.certificates.services import issue_milestone_certificates


def seed_certificates() -> int:
    """Issue the milestone certificates reached (idempotent); returns how many were new."""
    return issue_milestone_certificates()
