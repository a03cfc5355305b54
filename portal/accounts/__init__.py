"""Users, organisations, memberships, roles and the audit log."""
