"""The platform's public counters, kept by triggers (migration 0011)."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class CounterName(enum.StrEnum):
    RECORDS = "records"  # behaviour records not superseded by partner data of the same act
    GRAMS_REDUCED = "grams_reduced"  # net grams CO2e of the live reductions
    PARTICIPANTS = "participants"  # accounts not disabled


class PlatformCounter(Base):
    """One shard of a public counter; a counter's value is the sum of its shards.

    Triggers on ``behavior_records``, ``reductions`` and ``users`` add to the shard of the
    writing connection (on PostgreSQL its backend pid modulo 16) in the writer's transaction,
    so concurrent writers seldom share a row and the sum is exact at every commit.
    """

    __tablename__ = "platform_counters"

    name: Mapped[str] = mapped_column(String(24), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
