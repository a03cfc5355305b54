"""Public statistics and open data."""
