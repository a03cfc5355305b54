"""The seam between retirement and what a retirement is for: events (``portal/market/events``)
and 以碳代偿 court cases (``portal/market/cases``) plug their rules in here, so retiring never
imports them and they never reach into retiring.

A purpose that names something (``event``: an event id, ``compensation``: a case id) is
refused unless a ``PurposeCheck`` is registered for it. The owning package registers its
check when its module is imported (``register_purpose_check(RetirementPurpose.EVENT, …)``)
and adds that module's dotted name to ``CHECK_MODULES``, which ``purpose_check`` imports first,
so the check is in place in the web app, a job and the CLI alike. The table is filled once at
import with the same functions in every process: configuration, not state (DESIGN.md §11).

Every callable runs inside the retirement's transaction and only flushes (CONVENTIONS rule 2).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from portal.accounts.models import User
from portal.market.models import Retirement, RetirementPurpose


@dataclass(frozen=True)
class PurposeRequest:
    """What a retirement asks, as the check sees it: who retires how many whole tonnes from
    which holder, for the event or case ``reference_id``; ``actor_is_buyer`` says whether the
    actor is a buyer member of the holder (else the check must authorise them)."""

    actor: User
    holder_org_id: int
    tonnes: int
    reference_id: int
    actor_is_buyer: bool


@dataclass(frozen=True)
class PurposeCheck:
    """A purpose's rules.

    - ``check(request)``: raise a ``DomainError`` to refuse (no such event, an event of another
      organisation, a case not open, an actor who may not retire for it); lock the rows the
      decision reads. Returning means the retirement may go ahead.
    - ``admits_non_members``: whether ``check`` may let an actor who is not a buyer of the
      holder retire (a court official for a case names the defendant's holding); when False,
      non-members are refused before ``check`` runs.
    - ``after(retirement)``: after the blocks are retired, in the same transaction (mark an
      event carbon-neutral, a case fulfilled: DESIGN.md §7 invariant 8).
    - ``titles(reference_id)``: the referenced event's or case's title ``(zh, en)`` for
      certificates, public pages and citizens' pages, or None if it is gone.
    """

    check: Callable[[PurposeRequest], None]
    titles: Callable[[int], tuple[str, str] | None]
    after: Callable[[Retirement], None] | None = None
    admits_non_members: bool = False


# Filled by the packages of ``CHECK_MODULES`` (and by tests, with monkeypatch.setitem).
PURPOSE_CHECKS: dict[str, PurposeCheck] = {}

# Dotted names of the modules that call ``register_purpose_check`` when imported.
CHECK_MODULES: tuple[str, ...] = (
    "portal.market.events.purpose",
    "portal.market.cases.purpose",
)

# Purposes that name an event or a case, and the Retirement column that keeps the id.
REFERENCE_COLUMNS = {
    RetirementPurpose.EVENT.value: "event_id",
    RetirementPurpose.COMPENSATION.value: "case_id",
}


def register_purpose_check(purpose: RetirementPurpose, check: PurposeCheck) -> None:
    """Install ``check`` for ``purpose`` (one per purpose; a second registration replaces it)."""
    PURPOSE_CHECKS[purpose.value] = check


def load_checks() -> None:
    """Import the modules of ``CHECK_MODULES`` (each registers its check on first import)."""
    for module in CHECK_MODULES:
        importlib.import_module(module)


def purpose_check(purpose: str) -> PurposeCheck | None:
    """The check registered for ``purpose``, or None (the purpose is then refused)."""
    load_checks()
    return PURPOSE_CHECKS.get(purpose)


def reference_id(retirement: Retirement) -> int | None:
    """The event or case id a retirement names, if its purpose names one."""
    column = REFERENCE_COLUMNS.get(retirement.purpose)
    return getattr(retirement, column) if column else None


def reference_titles(retirement: Retirement) -> tuple[str, str] | None:
    """The ``(zh, en)`` title of the event or case a retirement names, when its check knows it."""
    ref = reference_id(retirement)
    check = purpose_check(retirement.purpose) if ref is not None else None
    return check.titles(ref) if check is not None and ref is not None else None
