"""The one rule every piece of text typed by a person or sent by a partner is held to: no
control characters (C0, DEL, C1; line breaks only in multi-line text), no bidirectional
overrides or isolates (they make text read differently from what it holds, e.g. a name that
shows "gpj.exe" as "exe.jpg"), and not made only of invisible characters.

Forms (``portal.blueprints.shared.forms``), the partner API and CSV (``activities.intake.parsing``,
``blueprints.api.schemas``) and the account services all call :func:`text_problem`.
"""

from __future__ import annotations

import unicodedata

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

LINE_BREAKS = frozenset("\r\n")
# Embeddings and overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI). The marks
# LRM, RLM and ALM stay allowed: they change no order, only how neutral characters lean.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters that draw nothing, used to make a name look empty (Hangul fillers, the blank
# Braille pattern).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def _is_invisible(char: str) -> bool:
    """Draws nothing: spaces, format characters (zero-width space and joiners, BOM, soft
    hyphen, direction marks), control characters and the blank letters."""
    return char in BLANK_LETTERS or unicodedata.category(char) in {"Zs", "Zl", "Zp", "Cf", "Cc"}


def text_problem(value: str | None, *, multiline: bool = False) -> LazyString | None:
    """What is wrong with ``value`` as text a person reads, or ``None`` when nothing is.

    Empty or blank text is fine here (whether a value is required is the caller's rule; callers
    strip). ``multiline`` text may hold CR and LF; nothing else of Unicode's control (Cc)
    category is accepted.
    """
    if not value or not value.strip():
        return None
    for char in value:
        if char in LINE_BREAKS or char in "\u2028\u2029":
            if multiline:
                continue
            return _l("Keep this on one line: it contains a line break.")
        if unicodedata.category(char) == "Cc":
            return _l(
                "It contains the control character %(code)s, which is not text.",
                code=_code_point(char),
            )
        if char in BIDI_CONTROLS:
            return _l(
                "It contains the text-direction control %(code)s, which can make text read "
                "differently from what it is.",
                code=_code_point(char),
            )
    if all(_is_invisible(char) for char in value):
        return _l("It contains only invisible characters: type some visible text.")
    return None
