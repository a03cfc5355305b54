"""Behaviour records, evidence, partner intake, anti-fraud rules and the quantify job."""
