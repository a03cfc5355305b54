"""Append-only double-entry ledger for carbon points, with balances and a hash chain."""

# The modules the web layer may import (tests/unit/test_import_direction.py holds every blueprint
# to this list): commands, reads, tables and the fixed values their forms show. The rest is this
# package's own.
PUBLIC_MODULES = (
    "models",
    "services",
    "queries",
    "expiry",  # ``expiring``: what of a citizen's points expires next (the account page)
)
