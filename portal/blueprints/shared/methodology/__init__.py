"""Methodology pages of the library, developer and official areas: ``labels`` and ``display``
(what a version, its status and its history look like), the definition form (``fields``,
``rows``, ``definition``, ``convert``) and ``comments`` (the comment form and its handler)."""
