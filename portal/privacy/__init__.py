"""A citizen's rights over their personal data (PIPL, DESIGN.md §8): the export of everything
held about them (``export``) and the deletion of their account (``services``)."""
