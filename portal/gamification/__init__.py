"""Engagement: badges now (``rules`` decides from data, ``progress`` measures many people at once,
``services`` awards them from the ``badges`` job); teams, challenges, campaigns, leaderboards and
quizzes follow in this package (issue 13).

Badges are earned from verified activity only (credited reductions, donations), never from the
spendable points balance, so spending or donating points never costs a badge.
"""
