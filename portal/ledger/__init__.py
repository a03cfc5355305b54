"""Append-only double-entry ledger for carbon points, with balances and a hash chain."""
