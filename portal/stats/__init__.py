"""Public statistics and open data."""

# The modules the web layer may import (tests/unit/test_import_direction.py holds every blueprint
# to this list): commands, reads, tables and the fixed values their forms show. The rest is this
# package's own.
PUBLIC_MODULES = (
    "queries",
    "equivalences",  # grams as car-km and tree seedlings, with their sources
)
