"""Team PK (组队PK): duels between two teams of a bracket and leagues that teams of a bracket
join before they start, their live standings and their finalisation after a review window."""
