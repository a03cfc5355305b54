"""The hash chain off the write path: sealing, pooled balances, the account kinds of the points
economy, and verify from a checkpoint (DESIGN.md §6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from portal.accounts.models import User
from portal.db import transaction
from portal.errors import Conflict
from portal.ledger import queries, sealing, services, verification
from portal.ledger.cli import ledger_cli
from portal.ledger.models import AccountKind, LedgerAccount, LedgerCheckpoint, LedgerTransaction
from portal.ledger.services import Posting


def _post(*postings: Posting) -> list[int | None]:
    with transaction():
        return services.append(list(postings))


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> int:
    user = make_user()
    with transaction():
        account = services.ensure_user_accounts([user.id])[user.id]
        issuance = services.issuance_account_id()
    _post(Posting("seed:100", "reduction_credit", ((issuance, -100), (account, 100))))
    return account


def test_account_kinds_are_found_or_created_once(db: Any, make_org: Callable[..., Any]) -> None:
    org = make_org()
    with transaction():
        merchant = services.owned_account_id(AccountKind.MERCHANT, org.id)
        again = services.owned_account_id(AccountKind.MERCHANT, org.id)
        project = services.owned_account_id(AccountKind.PROJECT, org.id)
        reserve = services.system_account_id(AccountKind.RESERVE)
        expiry = services.system_account_id(AccountKind.EXPIRY)
        assert services.system_account_id(AccountKind.RESERVE) == reserve
    assert merchant == again and len({merchant, project, reserve, expiry}) == 4
    with pytest.raises(ValueError, match="have an owner"):
        services.system_account_id(AccountKind.MERCHANT)
    with pytest.raises(ValueError, match="not owned"):
        services.owned_account_id(AccountKind.RESERVE, org.id)
    with pytest.raises(ValueError, match="positive id"):
        services.owned_account_id(AccountKind.CAMPAIGN, 0)
    kinds = db.session.scalars(select(LedgerAccount.kind).order_by(LedgerAccount.id)).all()
    assert sorted(kinds) == ["expiry", "merchant", "project", "reserve"]


def test_redemption_to_a_merchant_waits_for_no_seal_and_is_floored(
    db: Any, citizen: int, make_org: Callable[..., Any]
) -> None:
    with transaction():
        merchant = services.owned_account_id(AccountKind.MERCHANT, make_org().id)
    _post(Posting("redeem:1", "redemption", ((citizen, -60), (merchant, 60))))
    assert queries.account_balance(citizen) == 40
    assert queries.account_balance(merchant) == 60  # stored 0 + unsealed 60
    with pytest.raises(Conflict, match="balance is 40 points but 50 are needed"):
        _post(Posting("redeem:2", "redemption", ((citizen, -50), (merchant, 50))))
    assert sealing.seal() == 2  # the seed and the first redemption
    stored = db.session.scalar(select(LedgerAccount.balance).where(LedgerAccount.id == merchant))
    assert stored == 60 and queries.account_balance(merchant) == 60
    assert sealing.seal() == 0
    assert verification.verify().ok


def test_seal_chains_in_rounds_and_verify_walks_them(db: Any, citizen: int) -> None:
    with transaction():
        issuance = services.issuance_account_id()
    _post(*(Posting(f"k:{n}", "x", ((issuance, -1), (citizen, 1))) for n in range(7)))
    assert sealing.count_unsealed() == 8
    assert sealing.seal(chunk=3) == 8
    seqs = db.session.scalars(select(LedgerTransaction.seq).order_by(LedgerTransaction.seq)).all()
    assert seqs == list(range(1, 9))
    report = verification.verify(chunk_size=3)
    assert report.ok and report.transactions_checked == 8 and report.unsealed_checked == 0


def test_verify_starts_from_the_latest_checkpoint(db: Any, citizen: int) -> None:
    with transaction():
        issuance = services.issuance_account_id()
    _post(*(Posting(f"old:{n}", "x", ((issuance, -1), (citizen, 1))) for n in range(4)))
    sealing.seal()
    result = verification.record_checkpoint()
    assert result.report.ok and result.checkpoint_id is not None and result.seq == 5
    assert verification.record_checkpoint().checkpoint_id is None  # nothing sealed since
    _post(Posting("new:1", "x", ((issuance, -2), (citizen, 2))))
    sealing.seal()
    report = verification.verify()
    assert report.ok and report.from_seq == 5 and report.transactions_checked == 1
    full = verification.verify(full=True)
    assert full.ok and full.from_seq == 0 and full.transactions_checked == 6
    # An old row altered: only the full walk sees it. A newer one: both do.
    db.session.execute(text("UPDATE ledger_transactions SET kind = 'forged' WHERE seq = 2"))
    assert verification.verify().ok
    assert any(
        "content does not match its hash" in p for p in verification.verify(full=True).problems
    )
    db.session.execute(text("UPDATE ledger_entries SET points = points + 1 WHERE points = 2"))
    assert not verification.verify().ok


def test_a_tampered_checkpoint_is_reported(db: Any, citizen: int) -> None:
    sealing.seal()
    checkpoint_id = verification.record_checkpoint().checkpoint_id
    db.session.execute(text("UPDATE ledger_checkpoints SET hash = :h"), {"h": "a" * 64})
    assert f"checkpoint #{checkpoint_id} does not match the transaction at seq 1" in (
        verification.verify().problems
    )
    db.session.execute(text("UPDATE ledger_checkpoint_balances SET points = points + 5"))
    problems = verification.verify().problems
    assert any("balance is" in problem for problem in problems)


def test_a_checkpoint_is_refused_when_verify_fails(app: Flask, db: Any, citizen: int) -> None:
    sealing.seal()
    db.session.execute(text("UPDATE ledger_entries SET points = points * 3"))
    runner = app.test_cli_runner()
    result = runner.invoke(ledger_cli, ["checkpoint"])
    assert result.exit_code == 1 and "PROBLEM: transaction #" in result.output
    assert db.session.scalar(select(func.count()).select_from(LedgerCheckpoint)) == 0


def test_cli_seal_checkpoint_and_full_verify(app: Flask, db: Any, citizen: int) -> None:
    runner = app.test_cli_runner()
    assert "Sealed 1 transactions." in runner.invoke(ledger_cli, ["seal"]).output
    assert "Checkpoint #" in runner.invoke(ledger_cli, ["checkpoint"]).output
    result = runner.invoke(ledger_cli, ["verify"])
    assert result.exit_code == 0 and "from seq 1" in result.output
    result = runner.invoke(ledger_cli, ["verify", "--full"])
    assert result.exit_code == 0 and "1 sealed transactions checked from the genesis hash" in (
        result.output
    )
