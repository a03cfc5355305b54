"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
31-character alphabet (digits and capitals without I, O, Z, S, V), the last a check character
over the first 17 with weights 3^i mod 31. Pure functions, no Flask, no database."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))  # 1, 3, 9, 27, 19, 26, 16, …
_VALUE = {char: value for value, char in enumerate(ALPHABET)}


def normalise(code: str) -> str:
    """As typed, without surrounding or inner spaces, in capitals."""
    return "".join(code.split()).upper()


def check_character(first17: str) -> str:
    """The 18th character a code starting with these 17 must end with."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """Whether ``code`` (already normalised) is 18 characters of the alphabet, characters 3 to 8
    an administrative division code (digits), ending with the right check character."""
    if len(code) != LENGTH or any(char not in _VALUE for char in code):
        return False
    if not code[2:8].isdigit():
        return False
    return code[-1] == check_character(code[:-1])
