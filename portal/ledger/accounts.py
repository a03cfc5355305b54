"""Ledger accounts, found or created: the system accounts (issuance, reserve, expiry), the
accounts owned by a merchant, project or campaign, and users' points accounts.

Flush-only, inside the caller's transaction; for any domain that builds postings (it needs the
account ids) and for ``append``. Creation is race-safe: ``INSERT … ON CONFLICT DO NOTHING`` on
each kind's unique key, then a read, which on PostgreSQL (READ COMMITTED) sees a racing
creator's committed row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Table, and_, bindparam, func, literal, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import IntArray, insert_or_skip, session
from portal.errors import NotFound
from portal.ledger.models import SYSTEM_KINDS, AccountKind, LedgerAccount

# Keeps every IN (...) list well under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters.
_CHUNK = 5_000

_ACCOUNTS = cast(Table, LedgerAccount.__table__)


def in_chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def issuance_account_id() -> int:
    """The id of the issuance account, creating it on first use. Flush-only.

    Points enter the economy by a debit here (it runs negative by design: its balance is minus
    all points ever issued). Call inside the caller's transaction; any ledger service may.
    """
    return system_account_id(AccountKind.ISSUANCE)


def system_account_id(kind: AccountKind) -> int:
    """The id of the one account of a system kind (issuance, reserve, expiry), creating it on
    first use. Flush-only."""
    if kind.value not in SYSTEM_KINDS:
        raise ValueError(f"{kind.value} accounts have an owner")
    c = _ACCOUNTS.c
    unowned = and_(c.user_id.is_(None), c.owner_id.is_(None))
    return _find_or_create(
        and_(c.kind == kind.value, unowned),
        {"kind": kind.value, "user_id": None, "owner_id": None},
        ["kind"],
        unowned,
    )


def owned_account_id(kind: AccountKind, owner_id: int) -> int:
    """The id of the account of ``kind`` (merchant: an organisation; project; campaign) that
    ``owner_id`` holds, creating it on first use. Flush-only."""
    if kind.value in SYSTEM_KINDS or kind is AccountKind.USER_POINTS:
        raise ValueError(f"{kind.value} accounts are not owned by an organisation or a project")
    if not isinstance(owner_id, int) or isinstance(owner_id, bool) or owner_id <= 0:
        raise ValueError("an account owner is a positive id")
    c = _ACCOUNTS.c
    return _find_or_create(
        and_(c.kind == kind.value, c.owner_id == owner_id),
        {"kind": kind.value, "user_id": None, "owner_id": owner_id},
        ["kind", "owner_id"],
        c.owner_id.is_not(None),
    )


def _find_or_create(
    where: ColumnElement[bool],
    values: dict[str, Any],
    conflict_on: list[str],
    index_where: ColumnElement[bool],
) -> int:
    db = session()
    stmt = select(_ACCOUNTS.c.id).where(where).order_by(_ACCOUNTS.c.id).limit(1)
    found = db.scalar(stmt)
    if found is not None:
        return int(found)
    db.execute(
        insert_or_skip(_ACCOUNTS, conflict_on, index_where).values(
            **values, balance=0, created_at=utcnow()
        )
    )
    return int(cast(int, db.scalar(stmt)))


def ensure_user_accounts(user_ids: Iterable[int]) -> dict[int, int]:
    """Map each user id to its points account id, creating the missing accounts. Flush-only.

    For jobs and services inside their own transaction (the quantify job passes hundreds of
    ids at once: on PostgreSQL four statements per 5,000 at most, each id looked up by index).
    Safe when two callers race for the same user: ``INSERT … ON CONFLICT DO NOTHING`` on the
    unique (kind, user_id) and then a SELECT, which on PostgreSQL (READ COMMITTED) sees the
    other caller's committed row; on SQLite writers are serialised anyway. Raises NotFound if
    a user id does not exist; nothing is inserted then.
    """
    wanted = sorted(set(user_ids))  # sorted: concurrent callers insert in one order, no deadlock
    db = session()
    db.flush()  # a user added by the caller must exist before the account points at it
    accounts = _user_accounts(db, wanted)
    missing = [user_id for user_id in wanted if user_id not in accounts]
    if not missing:
        return accounts
    known = _found(db, _USERS.c.id, _USERS.c.id, missing)
    unknown = [user_id for user_id in missing if user_id not in known]
    if unknown:
        raise NotFound(_l("No such user: %(ids)s.", ids=", ".join(map(str, unknown[:10]))))
    now = utcnow()
    for chunk in in_chunks(missing):
        if db.get_bind().dialect.name == "postgresql":
            # One INSERT … SELECT over the array per chunk (no statement per account).
            db.execute(
                pg_insert(_ACCOUNTS)
                .from_select(
                    ["kind", "user_id", "balance", "created_at"],
                    select(
                        literal(AccountKind.USER_POINTS.value),
                        _IDS.c.id,
                        literal(0),
                        literal(now, _ACCOUNTS.c.created_at.type),
                    ),
                )
                .on_conflict_do_nothing(index_elements=["kind", "user_id"]),
                {"ids": list(chunk)},
            )
        else:
            db.execute(
                insert_or_skip(_ACCOUNTS, ["kind", "user_id"]),
                [
                    {
                        "kind": AccountKind.USER_POINTS.value,
                        "user_id": user_id,
                        "balance": 0,
                        "created_at": now,
                    }
                    for user_id in chunk
                ],
            )
    accounts.update(_user_accounts(db, missing))
    return accounts


_IDS = func.unnest(bindparam("ids", type_=IntArray())).table_valued("id").render_derived()
_USERS = cast(Table, User.__table__)


def _found(
    db: Session,
    key: ColumnElement[int],
    value: ColumnElement[int],
    ids: Sequence[int],
    *where: ColumnElement[bool],
) -> dict[int, int]:
    """Map each of ``ids`` that some row has as ``key`` (``where`` holding) to its ``value``.

    On PostgreSQL one statement over an array per chunk, each id looked up by index on its own
    (a LATERAL subquery with LIMIT stays a nested loop): given ``key = ANY(…)``, the planner,
    costing a few hundred random page reads above a scan, would rather read the whole table.
    """
    found: dict[int, int] = {}
    postgresql = db.get_bind().dialect.name == "postgresql"
    lookup = select(value.label("value")).where(key == _IDS.c.id, *where).limit(1).lateral()
    for chunk in in_chunks(ids):
        if postgresql:
            rows = db.execute(
                select(_IDS.c.id, lookup.c.value).join_from(_IDS, lookup, true()),
                {"ids": list(chunk)},
            )
        else:
            rows = db.execute(select(key, value).where(key.in_(chunk), *where))
        found.update({int(k): int(v) for k, v in rows})
    return found


def _user_accounts(db: Session, user_ids: Sequence[int]) -> dict[int, int]:
    return _found(
        db,
        _ACCOUNTS.c.user_id,
        _ACCOUNTS.c.id,
        user_ids,
        _ACCOUNTS.c.kind == AccountKind.USER_POINTS.value,
    )
