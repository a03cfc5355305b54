"""Public share pages of what a citizen earned (a badge award, a certificate) and their posters.

Nothing is public until the holder shares it: sharing writes a ``ShareLink`` with a random,
unguessable code (no sequential id in any public URL); withdrawing it makes its page and poster
404. A share page shows the holder's alias only. Who may share at all is ``rules.may_share``.
"""
