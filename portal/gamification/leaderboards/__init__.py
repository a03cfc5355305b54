"""Leaderboards (排行榜): person, team and city / district boards for the week, the month and
all time (Asia/Shanghai), ranked on verified grams reduced (live reductions' ``net_grams``,
never points or the spendable balance).

The ``leaderboards`` job (``services.build_leaderboards``) writes every board into a new
snapshot and switches the one pointer row to it in the same transaction, so a reader sees the
old boards or the new ones, never half of either; pages read only the pointed snapshot
(``queries``). ``rules`` holds the pure parts: periods, the tie-break and "me ± 5".
``month_end`` keeps each closed month's person places for the monthly report's rank change.

Privacy: a person board lists only people who ``may_be_listed`` (opted in, 14 or over, not
deleted) — everyone else is left out, not shown as "Anonymous", so no row can point at a
child. They still count in team and city / district totals, which name no person. A team is
listed only with at least ``rules.MIN_TEAM_MEMBERS`` current members, so no per-capita
figure is one person's. Names are looked up when a page is read (``get_public_names``), so an
alias change or an opt-out shows at once, not at the next build.
"""
