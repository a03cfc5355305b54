"""Ledger services and queries (DESIGN.md §6): balanced, idempotent, non-negative, hash-chained."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from portal.accounts.models import User
from portal.db import transaction
from portal.errors import Conflict, NotFound
from portal.ledger import chain, queries, sealing, services, verification
from portal.ledger.cli import ledger_cli
from portal.ledger.models import LedgerAccount, LedgerChainHead, LedgerEntry, LedgerTransaction
from portal.ledger.services import Posting


@dataclass
class Accounts:
    issuance: int
    alice: int
    bob: int
    alice_user: int
    bob_user: int


@pytest.fixture
def accounts(make_user: Callable[..., User]) -> Accounts:
    alice, bob = make_user(), make_user()
    with transaction():
        by_user = services.ensure_user_accounts([alice.id, bob.id])
        issuance = services.issuance_account_id()
    return Accounts(issuance, by_user[alice.id], by_user[bob.id], alice.id, bob.id)


def _issue(acc: Accounts, account: int, points: int, key: str) -> Posting:
    return Posting(key, "test.issue", ((acc.issuance, -points), (account, points)), {"n": points})


def _post(posting: Posting) -> int | None:
    """Append one posting in a transaction of its own, as a domain's command does."""
    with transaction():
        return services.append([posting])[0]


def _balance(db: Any, account_id: int) -> int:
    return int(
        db.session.scalar(select(LedgerAccount.balance).where(LedgerAccount.id == account_id))
    )


def _count(db: Any, model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def _head(db: Any) -> tuple[int | None, str]:
    head = db.session.execute(
        select(LedgerChainHead.last_transaction_id, LedgerChainHead.last_hash)
    ).one()
    return head.last_transaction_id, head.last_hash


# --- Posting validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"entries": ((1, -10), (2, 9))}, "sum to -1"),
        ({"entries": ((1, -10), (2, 10), (3, 0))}, "zero points"),
        ({"entries": ((1, -10), (1, 10))}, "appears twice"),
        ({"entries": ((1, 0),)}, "at least two"),
        ({"entries": ((1, -1.5), (2, 1.5))}, "pair of ints"),
        ({"entries": ((1, True), (2, -1))}, "pair of ints"),
        ({"idempotency_key": " "}, "idempotency key"),
        ({"idempotency_key": "k" * 121}, "longer than 120"),
        ({"kind": ""}, "kind"),
        ({"memo": {1: "x"}}, "keys must be strings"),
        ({"memo": {"x": object()}}, "not plain JSON"),
        ({"memo": {"x": float("nan")}}, "not plain JSON"),
    ],
)
def test_posting_refuses_malformed_input(fields: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {
        "idempotency_key": "k:1",
        "kind": "test",
        "entries": ((1, -10), (2, 10)),
        "memo": {},
    }
    with pytest.raises(ValueError, match=message):
        Posting(**(values | fields))


def test_posting_normalises_to_what_the_database_returns() -> None:
    posting = Posting("k:1", "test", [[1, -3], [2, 3]], {"ids": (1, 2)})  # type: ignore[arg-type]
    assert posting.entries == ((1, -3), (2, 3))
    assert posting.memo == {"ids": [1, 2]}
    assert hash(posting)  # usable as a dict key / in sets despite the dict memo


# --- posting, idempotency, non-negative balances --------------------------------------------------


def test_balanced_postings_move_points(db: Any, accounts: Accounts) -> None:
    assert _post(_issue(accounts, accounts.alice, 100, "t:issue")) is not None
    transfer = Posting(
        "t:transfer", "test.transfer", ((accounts.alice, -30), (accounts.bob, 30)), {}
    )
    tx_id = _post(transfer)
    assert tx_id is not None
    assert queries.get_balance(accounts.alice_user) == 70
    assert queries.get_balance(accounts.bob_user) == 30
    # Minus everything ever issued; a pooled account's stored balance waits for the seal.
    assert queries.account_balance(accounts.issuance) == -100
    assert _balance(db, accounts.issuance) == 0
    sealing.seal()
    assert _balance(db, accounts.issuance) == -100
    assert queries.account_balance(accounts.issuance) == -100
    rows = db.session.execute(
        select(LedgerEntry.account_id, LedgerEntry.points).where(
            LedgerEntry.transaction_id == tx_id
        )
    ).all()
    assert sorted(rows) == sorted([(accounts.alice, -30), (accounts.bob, 30)])
    assert verification.verify().ok


def test_reposting_a_key_is_skipped_and_changes_nothing(db: Any, accounts: Accounts) -> None:
    first = _post(_issue(accounts, accounts.alice, 50, "t:once"))
    head = _head(db)
    assert first is not None
    assert _post(_issue(accounts, accounts.alice, 50, "t:once")) is None
    assert (
        _post(Posting("t:once", "x", ((accounts.issuance, -50), (accounts.alice, 50)), {})) is None
    )
    assert queries.get_balance(accounts.alice_user) == 50
    assert _count(db, LedgerTransaction) == 1
    assert _head(db) == head


def test_append_skips_posted_keys_within_a_batch(db: Any, accounts: Accounts) -> None:
    _post(_issue(accounts, accounts.alice, 5, "t:a"))
    with transaction():
        ids = services.append(
            [
                _issue(accounts, accounts.alice, 5, "t:a"),
                _issue(accounts, accounts.bob, 7, "t:b"),
                _issue(accounts, accounts.alice, 1, "t:c"),
            ]
        )
    assert ids[0] is None and ids[1] is not None and ids[2] is not None
    assert ids[1] < ids[2]
    assert queries.get_balance(accounts.alice_user) == 6
    assert queries.get_balance(accounts.bob_user) == 7


def test_duplicate_keys_in_one_call_are_an_error(db: Any, accounts: Accounts) -> None:
    with pytest.raises(ValueError, match="duplicate idempotency keys"), transaction():
        services.append(
            [_issue(accounts, accounts.alice, 1, "t:d"), _issue(accounts, accounts.bob, 1, "t:d")]
        )
    assert _count(db, LedgerTransaction) == 0


def test_append_of_nothing_returns_nothing(db: Any) -> None:
    assert services.append([]) == []


def test_overdraft_is_refused_and_nothing_of_the_call_is_written(
    db: Any, accounts: Accounts
) -> None:
    _post(_issue(accounts, accounts.alice, 20, "t:seed"))
    head, before = _head(db), _count(db, LedgerTransaction)
    batch = [
        _issue(accounts, accounts.bob, 100, "t:ok"),  # fine on its own
        Posting("t:over", "test.spend", ((accounts.alice, -30), (accounts.issuance, 30)), {}),
    ]
    with pytest.raises(Conflict) as refused, transaction():
        services.append(batch)
    assert "Not enough points" in str(refused.value.message)
    assert "20" in str(refused.value.message) and "30" in str(refused.value.message)
    assert queries.get_balance(accounts.alice_user) == 20
    assert queries.get_balance(accounts.bob_user) == 0
    assert queries.account_balance(accounts.issuance) == -20
    assert (_count(db, LedgerTransaction), _head(db)) == (before, head)
    assert _count(db, LedgerEntry) == 2
    assert verification.verify().ok


def test_a_refused_append_leaves_the_callers_transaction_usable(
    db: Any, accounts: Accounts
) -> None:
    with transaction():
        services.append([_issue(accounts, accounts.alice, 10, "t:kept")])
        with pytest.raises(Conflict):
            services.append(
                [Posting("t:no", "x", ((accounts.bob, -1), (accounts.issuance, 1)), {})]
            )
        services.append([_issue(accounts, accounts.bob, 3, "t:after")])
    assert queries.get_balance(accounts.alice_user) == 10
    assert queries.get_balance(accounts.bob_user) == 3
    assert _count(db, LedgerTransaction) == 2
    assert verification.verify().ok


def test_balances_are_checked_on_the_net_change_of_one_call(db: Any, accounts: Accounts) -> None:
    # One append is atomic: a spend listed before the credit that covers it is fine.
    with transaction():
        services.append(
            [
                Posting("t:spend", "x", ((accounts.alice, -5), (accounts.issuance, 5)), {}),
                _issue(accounts, accounts.alice, 8, "t:earn"),
            ]
        )
    assert queries.get_balance(accounts.alice_user) == 3


def test_a_debit_of_exactly_the_balance_is_allowed(db: Any, accounts: Accounts) -> None:
    _post(_issue(accounts, accounts.alice, 10, "t:ten"))
    _post(Posting("t:all", "x", ((accounts.alice, -10), (accounts.bob, 10)), {}))
    assert queries.get_balance(accounts.alice_user) == 0


def test_unknown_account_is_not_found(db: Any, accounts: Accounts) -> None:
    with pytest.raises(NotFound):
        _post(Posting("t:ghost", "x", ((accounts.issuance, -1), (999_999, 1)), {}))
    with pytest.raises(NotFound):
        _post(Posting("t:ghost", "x", ((999_999, -1), (accounts.alice, 1)), {}))
    assert _count(db, LedgerTransaction) == 0


def test_loaded_account_objects_see_the_new_balance(db: Any, accounts: Accounts) -> None:
    with transaction() as s:
        account = s.get(LedgerAccount, accounts.alice)
        assert account is not None and account.balance == 0
        services.append([_issue(accounts, accounts.alice, 4, "t:fresh")])
        assert account.balance == 4


# --- issuing points, accounts ---------------------------------------------------------------------


def test_points_issued_to_a_new_user_create_their_account(
    db: Any, make_user: Callable[..., User]
) -> None:
    user = make_user()
    assert queries.get_balance(user.id) == 0
    with transaction():
        account = services.ensure_user_accounts([user.id])[user.id]
        issuance = services.issuance_account_id()
        tx_id = services.append(
            [Posting("c:1", "quantify.credit", ((issuance, -12), (account, 12)), {"r": 1})]
        )[0]
    assert tx_id is not None
    assert queries.get_balance(user.id) == 12
    with pytest.raises(ValueError, match="zero points"):
        Posting("c:2", "x", ((issuance, 0), (account, 0)), {})


def test_ensure_user_accounts_is_idempotent(db: Any, make_user: Callable[..., User]) -> None:
    users = [make_user() for _ in range(3)]
    ids = [u.id for u in users]
    with transaction():
        first = services.ensure_user_accounts(ids[:2])
        second = services.ensure_user_accounts(ids + ids)
    assert set(second) == set(ids)
    assert {k: second[k] for k in first} == first
    assert _count(db, LedgerAccount) == 3
    with transaction():
        assert services.ensure_user_accounts(ids) == second
        assert services.ensure_user_accounts([]) == {}
    assert _count(db, LedgerAccount) == 3


def test_ensure_user_accounts_refuses_unknown_users(
    db: Any, make_user: Callable[..., User]
) -> None:
    user = make_user()
    with pytest.raises(NotFound), transaction():
        services.ensure_user_accounts([user.id, 987_654])
    assert _count(db, LedgerAccount) == 0


def test_issuance_account_is_created_once(db: Any) -> None:
    with transaction():
        first = services.issuance_account_id()
        assert services.issuance_account_id() == first
    assert _count(db, LedgerAccount) == 1


# --- hash chain and verify ------------------------------------------------------------------------


def _post_three(acc: Accounts) -> list[int]:
    """Three issues to Alice, sealed into the chain."""
    ids = [_post(_issue(acc, acc.alice, n, f"chain:{n}")) for n in (1, 2, 3)]
    assert all(ids)
    assert sealing.seal() == 3
    return [i for i in ids if i is not None]


def test_hash_chain_links_every_transaction(db: Any, accounts: Accounts) -> None:
    ids = _post_three(accounts)
    rows = db.session.scalars(select(LedgerTransaction).order_by(LedgerTransaction.id)).all()
    assert [r.id for r in rows] == ids
    assert rows[0].prev_hash == chain.GENESIS_HASH
    for earlier, later in pairwise(rows):
        assert later.prev_hash == earlier.hash
    assert _head(db) == (rows[-1].id, rows[-1].hash)
    # The documented recipe, by hand, for the first transaction.
    content = json.dumps(
        {
            "key": "chain:1",
            "kind": "test.issue",
            "entries": sorted([[accounts.issuance, -1], [accounts.alice, 1]]),
            "memo": {"n": 1},
            "created_at": rows[0].created_at.isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert rows[0].created_at.utcoffset() is not None
    assert rows[0].hash == chain.chain_hash(chain.GENESIS_HASH, content)


def test_verify_passes_on_an_empty_and_a_clean_ledger(db: Any, accounts: Accounts) -> None:
    empty = verification.verify()
    assert empty.ok and empty.transactions_checked == 0 and empty.problems == []
    _post_three(accounts)
    _post(Posting("t:memo", "x", ((accounts.alice, -2), (accounts.bob, 2)), {"说明": "转赠"}))
    report = verification.verify(chunk_size=2)  # several chunks
    assert report.ok and report.problems == []
    assert (report.transactions_checked, report.unsealed_checked) == (3, 1)
    sealing.seal()
    report = verification.verify(chunk_size=2)
    assert report.ok and (report.transactions_checked, report.unsealed_checked) == (4, 0)


def test_verify_reports_a_changed_entry(db: Any, accounts: Accounts) -> None:
    ids = _post_three(accounts)
    db.session.execute(
        text(
            "UPDATE ledger_entries SET points = points + 5 "
            "WHERE transaction_id = :tx AND account_id = :acct"
        ),
        {"tx": ids[1], "acct": accounts.alice},
    )
    report = verification.verify()
    assert not report.ok
    assert report.problems == [  # the neighbouring transactions are not reported
        f"transaction #{ids[1]} entries sum to 5, not 0",
        f"transaction #{ids[1]} content does not match its hash",
        f"account #{accounts.alice} balance is 6 but its entries sum to 11",
    ]


def test_verify_reports_a_changed_memo(db: Any, accounts: Accounts) -> None:
    ids = _post_three(accounts)
    db.session.execute(
        text("UPDATE ledger_transactions SET memo = :memo WHERE id = :id"),
        {"memo": json.dumps({"n": 200}), "id": ids[0]},
    )
    report = verification.verify()
    assert report.problems == [f"transaction #{ids[0]} content does not match its hash"]


def test_verify_reports_a_rewritten_hash(db: Any, accounts: Accounts) -> None:
    # A forger who also recomputes the altered row's hash breaks the next row's link.
    ids = _post_three(accounts)
    db.session.execute(
        text("UPDATE ledger_transactions SET kind = 'forged', hash = :h WHERE id = :id"),
        {"h": "f" * 64, "id": ids[1]},
    )
    problems = verification.verify().problems
    assert f"transaction #{ids[1]} content does not match its hash" in problems
    assert f"transaction #{ids[2]} prev_hash does not link to its predecessor" in problems


def test_verify_reports_a_changed_balance_and_chain_head(db: Any, accounts: Accounts) -> None:
    _post_three(accounts)
    db.session.execute(
        text("UPDATE ledger_accounts SET balance = balance + 1 WHERE id = :id"),
        {"id": accounts.bob},
    )
    db.session.execute(text("UPDATE ledger_chain_head SET last_hash = :h"), {"h": "e" * 64})
    problems = verification.verify().problems
    assert f"account #{accounts.bob} balance is 1 but its entries sum to 0" in problems
    assert "the chain head hash does not match the transaction at seq 3" in problems


def test_verify_reports_a_row_inserted_behind_the_ledgers_back(db: Any, accounts: Accounts) -> None:
    ids = _post_three(accounts)
    forge = text(
        "INSERT INTO ledger_transactions "
        "(id, idempotency_key, kind, memo, created_at, seq, prev_hash, hash) "
        "SELECT :id, :key, kind, memo, created_at, :seq, hash, :h FROM ledger_transactions "
        "WHERE id = :last"
    )
    # One after the chain's end, one in no place in it (a hash without a seq).
    db.session.execute(
        forge, {"id": ids[-1] + 1000, "key": "forged", "seq": 4, "h": "d" * 64, "last": ids[-1]}
    )
    db.session.execute(
        forge, {"id": ids[-1] + 2000, "key": "forged2", "seq": None, "h": "c" * 64, "last": ids[-1]}
    )
    problems = verification.verify().problems
    assert f"transaction #{ids[-1] + 1000} has no entries" in problems
    assert "transactions after seq 3 are not covered by the chain head" in problems
    assert f"transaction #{ids[-1] + 2000} has a hash but no place in the chain" in problems


def test_verify_reports_a_deleted_and_a_reordered_transaction(db: Any, accounts: Accounts) -> None:
    ids = _post_three(accounts)
    db.session.execute(
        text("UPDATE ledger_transactions SET seq = -seq WHERE id IN (:a, :b)"),
        {"a": ids[0], "b": ids[1]},
    )
    db.session.execute(
        text("UPDATE ledger_transactions SET seq = -seq + 1 WHERE id = :a"), {"a": ids[0]}
    )
    db.session.execute(
        text("UPDATE ledger_transactions SET seq = -seq - 1 WHERE id = :b"), {"b": ids[1]}
    )
    problems = verification.verify().problems
    assert f"transaction #{ids[1]} prev_hash does not link to its predecessor" in problems
    db.session.execute(text("DELETE FROM ledger_entries WHERE transaction_id = :c"), {"c": ids[2]})
    db.session.execute(text("DELETE FROM ledger_transactions WHERE id = :c"), {"c": ids[2]})
    problems = verification.verify().problems
    assert "the chain head names seq 3 but the chain ends at seq 2" in problems
    assert f"account #{accounts.alice} balance is 6 but its entries sum to 3" in problems


def test_verify_reports_entries_whose_transaction_or_account_is_missing(
    db: Any, accounts: Accounts
) -> None:
    # Entries carry no foreign keys (migration 0005), so verify looks for orphans itself.
    ids = _post_three(accounts)
    db.session.execute(
        text("UPDATE ledger_entries SET transaction_id = :gone WHERE transaction_id = :tx"),
        {"gone": ids[-1] + 500, "tx": ids[0]},
    )
    db.session.execute(
        text(
            "UPDATE ledger_entries SET account_id = :gone "
            "WHERE transaction_id = :tx AND account_id = :acct"
        ),
        {"gone": accounts.bob + 900, "tx": ids[1], "acct": accounts.alice},
    )
    orphans = {
        entry_id: (tx_id, account_id)
        for entry_id, tx_id, account_id in db.session.execute(
            text("SELECT id, transaction_id, account_id FROM ledger_entries")
        )
    }
    problems = verification.verify().problems
    assert f"transaction #{ids[0]} has no entries" in problems
    for entry_id, (tx_id, account_id) in orphans.items():
        if tx_id == ids[-1] + 500:
            assert f"entry #{entry_id} names transaction #{tx_id}, which does not exist" in problems
        if account_id == accounts.bob + 900:
            missing = f"entry #{entry_id} names account #{account_id}, which does not exist"
            assert missing in problems
    assert sum("which does not exist" in problem for problem in problems) == 3


def test_verify_reports_a_negative_user_account(db: Any, accounts: Accounts) -> None:
    # The CHECK constraint stops a negative balance column, so forge negative entries instead.
    _post(_issue(accounts, accounts.bob, 5, "t:bob"))
    db.session.execute(
        text("UPDATE ledger_entries SET points = -points WHERE account_id IN (:a, :b)"),
        {"a": accounts.bob, "b": accounts.issuance},
    )
    problems = verification.verify().problems
    assert f"user account #{accounts.bob} is negative" in problems


# --- reads ---------------------------------------------------------------------------------------


def test_list_entries_newest_first_with_transactions(db: Any, accounts: Accounts) -> None:
    _post_three(accounts)
    _post(Posting("t:gift", "gift", ((accounts.alice, -2), (accounts.bob, 2)), {}))
    page = queries.list_entries(accounts.alice_user, page=1, per_page=3)
    assert page.total == 4
    assert [e.points for e in page.items] == [-2, 3, 2]
    assert page.items[0].transaction.kind == "gift"
    assert [e.points for e in queries.list_entries(accounts.alice_user, page=2, per_page=3)] == [1]
    assert queries.list_entries(accounts.bob_user).total == 1
    assert queries.list_entries(123_456).total == 0
    assert queries.get_balance(123_456) == 0


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_verify_exit_codes(app: Flask, db: Any, accounts: Accounts) -> None:
    _post_three(accounts)
    runner = app.test_cli_runner()
    result = runner.invoke(ledger_cli, ["verify"])
    assert result.exit_code == 0, result.output
    assert "Ledger OK: 3 sealed transactions checked from the genesis hash" in result.output
    db.session.execute(text("UPDATE ledger_entries SET points = points * 2"))
    result = runner.invoke(ledger_cli, ["verify"])
    assert result.exit_code == 1
    assert "PROBLEM: transaction #" in result.output
    assert "Ledger FAILED" in result.output
