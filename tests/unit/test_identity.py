from typing import Any

import pytest

from portal.accounts.identity import PASSWORD_RULE, parse_identifier, password_problem


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("13912345678", "13912345678"),
        (" 139 1234 5678 ", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("8613912345678", "13912345678"),
    ],
)
def test_mobile_numbers_are_normalised(raw: str, phone: str) -> None:
    assert parse_identifier(raw).phone == phone


@pytest.mark.parametrize(
    "raw", ["", "   ", "12912345678", "1391234567", "139123456789", "abc", "a@", "@b.cn"]
)
def test_malformed_logins_are_refused(raw: str) -> None:
    assert parse_identifier(raw) is None


def test_email_is_lowercased() -> None:
    assert parse_identifier("Lin.Xiao@Example.ORG").email == "lin.xiao@example.org"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1", "This password has only 6 characters; it needs at least 8."),
        ("a1", "This password has only 2 characters; it needs at least 8."),
        ("x" * 200 + "1", "This password has 201 characters; at most 128 are allowed."),
        ("allletters", "This password has no digit (0–9); add one."),
        ("12345678", "This password has no letter (A–Z); add one."),
        ("!!!!????", "This password has neither a letter nor a digit; add one of each."),
    ],
)
def test_a_weak_password_is_told_what_it_lacks(app: Any, password: str, problem: str) -> None:
    """The hint under the field states the rule; the error says how this password breaks it."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert password_problem(password) == problem
        assert problem != str(PASSWORD_RULE)


def test_password_containing_the_login_is_refused() -> None:
    assert password_problem("pw13912345678", "13912345678")
    assert password_problem("Green2026pass", "13912345678") is None
