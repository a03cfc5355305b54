"""Public share pages of what a citizen earned (a badge award, a certificate, their team's
result in a finished challenge) and their posters.

Nothing is public until the holder shares it: sharing writes a ``ShareLink`` with a random,
unguessable code (no sequential id in any public URL); withdrawing it makes its page and poster
404. A share page shows the holder's alias only (a team result also the teams' names, which the
public team board shows already, never a member). Who may share at all is ``rules.may_share``.
"""
