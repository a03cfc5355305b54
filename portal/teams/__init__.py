"""Teams (组队): schools and their classes, volunteer groups, communities and companies; captains,
invites, membership intervals and the team totals that follow them."""
