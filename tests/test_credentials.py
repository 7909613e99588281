"""Kestra's basic-auth rules, as users meet them."""

from __future__ import annotations

import pytest

from kestra_init.project.credentials import generate_password, password_problem, username_problem


@pytest.mark.parametrize("password", ["Admin1234", "xY9xxxxx", "Kestra-Is-Fun-2026!"])
def test_passwords_kestra_accepts(password: str) -> None:
    assert password_problem(password) is None


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("kestra", "at least 8 characters"),
        ("alllowercase1", "an upper-case letter"),
        ("ALLUPPERCASE1", "a lower-case letter"),
        ("NoDigitsHere", "a digit"),
        ("A1" + "a" * 300, "longer than 256"),
        ("Pa$sword1", "'$'"),
        ("Pass word1", "' '"),
    ],
)
def test_passwords_refused_say_why(password: str, complaint: str) -> None:
    problem = password_problem(password)
    assert problem is not None
    assert complaint in problem


# Kestra's own pattern: no dot needed after the @, no `_` and nothing but ASCII there.
@pytest.mark.parametrize(
    "username", ["admin@example.com", "a.b+c@d.io", "admin@localhost", "ops_1@kestra-dev"]
)
def test_usernames_kestra_accepts(username: str) -> None:
    assert username_problem(username) is None


@pytest.mark.parametrize(
    "username", ["", "admin", "a b@c.d", "ops@my_host.io", "adm\u00efn@example.com", "a@b@c.io"]
)
def test_usernames_refused(username: str) -> None:
    assert username_problem(username) is not None


def test_generated_passwords_meet_the_policy_and_differ() -> None:
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(password_problem(p) is None for p in passwords)
    assert all(p.isalnum() and len(p) == 24 for p in passwords)
