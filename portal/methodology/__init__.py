"""Methodologies, versions, factors, the pure quantification engine and its seed data."""
