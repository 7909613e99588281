"""Kestra's rules for basic-auth credentials, and a generator that meets them.

Kestra (open source, 0.24 and later) requires basic auth. Its username must be
an email address; its password 8 to 256 characters with at least one lower-case
letter, one upper-case letter and one digit. Credentials that break these rules
leave the server on its setup page, where every API call answers 401, so we
check them before anything starts.

We add rules of our own: the login travels from ``.env`` into the
``KESTRA_CONFIGURATION`` YAML block through Compose's ``${...}`` interpolation,
where quotes, backslashes, ``$``, backticks and white space would break the
YAML or be interpolated again; and letters and digits are counted in ASCII
(``[a-z]``, ``[A-Z]``, ``[0-9]``), never less strict than Kestra whatever
character classes it uses. The copier template's validators apply the same
rules (a test keeps the two in step).
"""

from __future__ import annotations

import re
import secrets
import string

# Kestra's own pattern for the username (an e-mail address, ASCII only, no `_` in the
# domain): kestra.md, read from Kestra's basic-auth configuration check.
EMAIL_RE = re.compile(r"^[a-zA-Z0-9_!#$%&'*+/=?`{|}~^.-]+@[a-zA-Z0-9.-]+$")
PASSWORD_MIN, PASSWORD_MAX = 8, 256
UNSAFE_PASSWORD_CHARS = set("'\"\\$`") | set(string.whitespace)


def username_problem(username: str) -> str | None:
    """Why Kestra would refuse this username, or None when it is fine."""
    if not username:
        return "the username is empty; Kestra needs an email address such as admin@example.com"
    if len(username) > 256:
        return "the username is longer than 256 characters, Kestra's limit"
    if not EMAIL_RE.match(username):
        return (
            f"'{username}' is not an email address as Kestra reads one (ASCII letters, digits "
            "and ._%+- etc. before the @, letters, digits, dots and dashes after it)"
        )
    unsafe = sorted({c for c in username if c in UNSAFE_PASSWORD_CHARS})
    if unsafe:
        shown = " ".join(repr(c) for c in unsafe)
        return (
            f"the username contains {shown}, which would break the compose file's "
            "interpolation of .env"
        )
    return None


def password_problem(password: str, *, in_compose: bool = True) -> str | None:
    """Why Kestra (or the compose interpolation) would refuse this password, or None.

    ``in_compose``: the password lives in a project's .env, which the compose
    file interpolates; a remote server's password owes nothing to that rule.
    """
    missing = [
        label
        for label, present in (
            ("a lower-case letter", any("a" <= c <= "z" for c in password)),
            ("an upper-case letter", any("A" <= c <= "Z" for c in password)),
            ("a digit", any("0" <= c <= "9" for c in password)),
        )
        if not present
    ]
    if len(password) < PASSWORD_MIN:
        missing.insert(0, f"at least {PASSWORD_MIN} characters")
    if missing:
        return "the password needs " + ", ".join(missing) + " (Kestra's password policy)"
    if len(password) > PASSWORD_MAX:
        return f"the password is longer than {PASSWORD_MAX} characters, Kestra's limit"
    unsafe = sorted({c for c in password if c in UNSAFE_PASSWORD_CHARS}) if in_compose else []
    if unsafe:
        shown = " ".join(repr(c) for c in unsafe)
        return (
            f"the password contains {shown}, which would break the compose file's "
            "interpolation of .env; use letters, digits and other punctuation"
        )
    return None


def generate_password(length: int = 24) -> str:
    """A random password from the OS's secure source that meets every rule above.

    Letters and digits only, so it never needs quoting in .env, YAML or a shell.
    """

    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if password_problem(candidate) is None:
            return candidate
