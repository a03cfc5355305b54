import pytest

from portal.accounts.identity import parse_identifier, password_problem


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


@pytest.mark.parametrize("password", ["short1", "allletters", "12345678", "x" * 200 + "1"])
def test_weak_passwords_are_named(password: str) -> None:
    assert "8 to 128" in (password_problem(password) or "")


def test_password_containing_the_login_is_refused() -> None:
    assert password_problem("pw13912345678", "13912345678")
    assert password_problem("Green2026pass", "13912345678") is None
