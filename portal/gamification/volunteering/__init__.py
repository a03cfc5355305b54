"""Volunteer activities of a team: a captain creates one, members check in during it with a
rotating code, each check-in counts for the volunteer badge and credits volunteer hours (never
points)."""
