"""Who may do what with a methodology: one public query per rule.

The services check these before they act and the pages call the same functions to decide what
to offer, so each rule is written once. They read only what is loaded on the rows they are given
(the actor's roles and memberships, the methodology's status, developer and submitter): no
transaction, no request; any layer may call them. A ``may_*`` answers for this actor and this
methodology as it stands; a service that refuses tells a wrong status (``Conflict``) from a
wrong actor (``NotAllowed``), so it checks the parts of a rule in that order.
"""

from __future__ import annotations

from typing import Final

from portal.accounts.models import Role, User
from portal.methodology.models import Methodology, MethodologyStatus

S = MethodologyStatus

# What the public library shows: methodologies the authority has filed (or once filed).
PUBLIC_STATUSES: Final = (S.FILED.value, S.SUSPENDED.value, S.RETIRED.value)
# A draft is its developer's until submitted; the authority sees everything from then on.
OFFICIAL_STATUSES: Final = tuple(s.value for s in S if s is not S.DRAFT)
# A draft, or a submission sent back for changes, is the developer's to edit and submit.
EDITABLE_STATUSES: Final = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
# Which moves an official may make: action → (the statuses it starts from, the status it makes).
REVIEW_MOVES: Final[dict[str, tuple[frozenset[S], S]]] = {
    "start_review": (frozenset({S.SUBMITTED}), S.UNDER_REVIEW),
    "request_changes": (frozenset({S.UNDER_REVIEW}), S.CHANGES_REQUESTED),
    "file": (frozenset({S.UNDER_REVIEW}), S.FILED),
    "suspend": (frozenset({S.FILED}), S.SUSPENDED),
    "reinstate": (frozenset({S.SUSPENDED}), S.FILED),
    "retire": (frozenset({S.FILED, S.SUSPENDED}), S.RETIRED),
}


def is_public(methodology: Methodology) -> bool:
    """Whether the public library shows ``methodology`` (filed, suspended or retired)."""
    return methodology.status in PUBLIC_STATUSES


def is_developer_of(actor: User, methodology: Methodology) -> bool:
    """Whether ``actor`` belongs to the organisation that develops ``methodology`` (a seeded
    methodology has none)."""
    return methodology.developer_org_id is not None and any(
        m.organisation_id == methodology.developer_org_id for m in actor.memberships
    )


def may_draft(actor: User, organisation_id: int) -> bool:
    """Whether ``actor`` may start a draft for ``organisation_id``: a developer who belongs
    to it."""
    return actor.has_role(Role.DEVELOPER) and any(
        m.organisation_id == organisation_id for m in actor.memberships
    )


def may_edit_draft(actor: User, methodology: Methodology) -> bool:
    """Whether ``actor`` may revise ``methodology`` now: its developer, while it is a draft or
    sent back for changes."""
    return is_developer_of(actor, methodology) and methodology.status in EDITABLE_STATUSES


def may_submit(actor: User, methodology: Methodology) -> bool:
    """Whether ``actor`` may send ``methodology`` to the ecology authority now."""
    # Work is submitted from exactly the statuses it is edited in.
    return may_edit_draft(actor, methodology)


def may_official_see(actor: User, methodology: Methodology) -> bool:
    """Whether ``actor`` sees ``methodology`` as an ecology official: once it is submitted."""
    return actor.has_role(Role.OFFICIAL) and methodology.status in OFFICIAL_STATUSES


def may_comment(actor: User, methodology: Methodology) -> bool:
    """Whether ``actor`` may add to the public history: an official once it is submitted, or
    its developer at any time."""
    return may_official_see(actor, methodology) or is_developer_of(actor, methodology)


def may_file(actor: User, methodology: Methodology) -> bool:
    """Separation of duties: an official may file ``methodology`` unless they submitted it or
    belong to its developer organisation. Whether its status lets it be filed is
    :func:`may_review`'s to say."""
    return (
        actor.has_role(Role.OFFICIAL)
        and actor.id != methodology.submitted_by_id
        and not is_developer_of(actor, methodology)
    )


def review_actions(methodology: Methodology) -> frozenset[str]:
    """The moves of :data:`REVIEW_MOVES` that ``methodology``'s status allows, to any official."""
    return frozenset(
        action for action, (sources, _) in REVIEW_MOVES.items() if methodology.status in sources
    )


def may_review(actor: User, methodology: Methodology, action: str) -> bool:
    """Whether ``actor`` may make the review move ``action`` (``start_review``, ``file``,
    ``suspend``, …) on ``methodology`` now: an official, a move its status allows and, to file,
    :func:`may_file`."""
    return (
        actor.has_role(Role.OFFICIAL)
        and action in review_actions(methodology)
        and (action != "file" or may_file(actor, methodology))
    )


def may_publish_version(actor: User, methodology: Methodology) -> bool:
    """Whether ``actor`` may publish a new version of ``methodology``: an official, while it is
    filed."""
    return actor.has_role(Role.OFFICIAL) and methodology.status == S.FILED
