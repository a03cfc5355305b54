"""A posting: one balanced ledger transaction to append, checked when it is built.

Pure (no database): a domain that moves points builds ``Posting``s and hands them to
``portal.ledger.services.append`` inside its own transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

KEY_MAX_LENGTH = 120  # ledger_transactions.idempotency_key
KIND_MAX_LENGTH = 32  # ledger_transactions.kind


@dataclass(frozen=True)
class Posting:
    """One balanced ledger transaction to append.

    ``idempotency_key`` is ``source:reference`` (at most 120 characters) and unique for ever: a
    posting whose key is already in the ledger is skipped. ``kind`` names the business event
    (``quantify.credit``, ``redemption`` …; at most 32 characters). ``entries`` are
    ``(account_id, points)`` pairs: whole points, none zero, each account at most once, summing to
    zero. ``memo`` is JSON data kept with the transaction and covered by its hash; it is stored as
    its JSON round-trip (tuples become lists), so what is hashed is exactly what is read back.
    """

    idempotency_key: str
    kind: str
    entries: tuple[tuple[int, int], ...]
    memo: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.idempotency_key, str) or not self.idempotency_key.strip():
            raise ValueError("a posting needs a non-empty idempotency key")
        if len(self.idempotency_key) > KEY_MAX_LENGTH:
            raise ValueError(f"idempotency key longer than {KEY_MAX_LENGTH} characters")
        if not isinstance(self.kind, str) or not self.kind.strip():
            raise ValueError("a posting needs a non-empty kind")
        if len(self.kind) > KIND_MAX_LENGTH:
            raise ValueError(f"posting kind longer than {KIND_MAX_LENGTH} characters")
        entries = tuple(tuple(entry) for entry in self.entries)
        if len(entries) < 2:
            raise ValueError("a posting needs at least two entries")
        seen: set[int] = set()
        for entry in entries:
            if len(entry) != 2 or not all(_is_int(value) for value in entry):
                raise ValueError(f"entry {entry!r} is not an (account_id, points) pair of ints")
            account_id, points = entry
            if points == 0:
                raise ValueError(f"entry for account {account_id} has zero points")
            if account_id in seen:
                raise ValueError(f"account {account_id} appears twice in one posting")
            seen.add(account_id)
        total = sum(points for _, points in entries)
        if total != 0:
            raise ValueError(f"entries sum to {total} points, not 0")
        if not isinstance(self.memo, Mapping):
            raise ValueError("memo must be a mapping")
        if not _string_keys_only(self.memo):
            # json.dumps would turn them into strings, so the stored memo would hash differently.
            raise ValueError("memo keys must be strings")
        try:
            memo = json.loads(json.dumps(dict(self.memo), allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"memo is not plain JSON data: {exc}") from exc
        object.__setattr__(self, "entries", cast(tuple[tuple[int, int], ...], entries))
        object.__setattr__(self, "memo", memo)


def _string_keys_only(value: object) -> bool:
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _string_keys_only(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_string_keys_only(item) for item in value)
    return True


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
