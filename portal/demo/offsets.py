"""Demo offsets through the purpose checks: the demo event organiser buys the demo forum's
footprint and retires it for the forum (which becomes 碳中和 with its certificate), and the
demo court buys the 40 t of case （2026）吉01民初902号 and retires them on the defendant's
behalf (the case is fulfilled); case 901 and the marathon stay open. Each step goes through
the market (paid orders) and ``retire``; a step the supply cannot cover retires what was
bought (the event or case then stays open). Idempotent: the orders and retirements replay
fixed form tokens."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from portal.accounts.models import Organisation, User
from portal.db import session
from portal.demo.accounts import find_user
from portal.demo.cases import COURT_LOGIN
from portal.demo.events import ORGANISER, forum
from portal.demo.market import buy
from portal.market.cases.models import Case
from portal.market.events import queries as event_queries
from portal.market.models import Retirement, RetirementPurpose
from portal.market.retirement_queries import held_tonnes
from portal.market.retirements import retire

FULFILLED_CASE = "（2026）吉01民初902号"


def _token(key: str) -> str:
    return hashlib.sha256(f"demo-offset:{key}".encode()).hexdigest()[:32]


def _buy_and_retire(
    actor: User,
    tonnes: int,
    key: str,
    purpose: RetirementPurpose,
    reference_id: int,
    beneficiary: tuple[str, str],
) -> Retirement | None:
    """Buy ``tonnes`` for the actor's organisation and retire them for the purpose, once."""
    token = _token(key)
    found = session().scalar(
        select(Retirement).where(Retirement.idempotency_key == f"retire:{token}")
    )
    if found is not None:
        return found
    holder_id = actor.memberships[0].organisation_id
    buy(actor, tonnes, key)
    held = min(tonnes, held_tonnes(holder_id))
    if held == 0:
        return None
    return retire(
        actor,
        holder_id,
        tonnes=held,
        purpose=purpose.value,
        reference_id=reference_id,
        beneficiary_zh=beneficiary[0],
        beneficiary_en=beneficiary[1],
        form_token=token,
    )


def _neutral_forum() -> Retirement | None:
    organiser = find_user(ORGANISER.login)
    event = forum()
    footprint = event_queries.latest_footprint(event.id)
    if organiser is None or footprint is None or not organiser.memberships:
        return None
    org = session().get(Organisation, organiser.memberships[0].organisation_id)
    assert org is not None
    return _buy_and_retire(
        organiser,
        footprint.tonnes,
        "forum",
        RetirementPurpose.EVENT,
        event.id,
        (f"{org.name_zh}（{event.title_zh}）", f"{org.name_en} ({event.title_en})"),
    )


def _fulfilled_case() -> Retirement | None:
    official = find_user(COURT_LOGIN)
    case = session().scalar(select(Case).where(Case.case_number == FULFILLED_CASE))
    if official is None or case is None or not official.memberships:
        return None
    return _buy_and_retire(
        official,
        case.required_tonnes,
        "case-902",
        RetirementPurpose.COMPENSATION,
        case.id,
        (case.public_defendant_zh, case.public_defendant_en),
    )


def seed_offsets() -> list[Retirement]:
    """The forum made neutral and case 902 fulfilled; returns their retirements."""
    return [done for done in (_neutral_forum(), _fulfilled_case()) if done is not None]
