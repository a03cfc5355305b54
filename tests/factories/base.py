"""What every domain's factories share: one running number, so generated names, phones and ids
never collide across domains, and saving a row the way the services do."""

from __future__ import annotations

import itertools
from typing import TypeVar

from portal.db import session

T = TypeVar("T")

_seq = itertools.count(1)


def next_number() -> int:
    return next(_seq)


def save(row: T) -> T:
    session().add(row)
    session().commit()  # in tests this releases a savepoint; the outer transaction still rolls back
    return row
