"""Imports every model module so the metadata is complete (migrations, tests)."""

from portal.accounts import models as accounts_models
from portal.jobs import JobRun

__all__ = ["JobRun", "accounts_models"]
