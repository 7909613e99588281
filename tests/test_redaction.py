"""Secrets come out of shared text by value, in base64 too, and where a pattern names them."""

from __future__ import annotations

import base64

from kestra_init.redaction import MASK, redact, secret_values


def test_dotenv_values_and_secret_environment_variables_are_masked() -> None:
    dotenv = {
        "KESTRA_PORT": "8080",
        "KESTRA_ADMIN_EMAIL": "ada@example.com",
        "KESTRA_ADMIN_PASSWORD": "Sup3rSecret!",
        "MY_OWN_SETTING": "some-private-value",
    }
    environ = {"GITHUB_TOKEN": "ghp_abcdef123456", "HOME": "/home/ada", "PATH": "/usr/bin"}
    secrets = secret_values(dotenv, environ)
    text = (
        "port 8080 login ada@example.com pass Sup3rSecret! b64 "
        + base64.b64encode(b"Sup3rSecret!").decode()
        + " own some-private-value token ghp_abcdef123456 home /home/ada"
    )
    shown = redact(text, secrets)
    for secret in ("ada@example.com", "Sup3rSecret!", "some-private-value", "ghp_abcdef123456"):
        assert secret not in shown
    assert base64.b64encode(b"Sup3rSecret!").decode() not in shown
    assert "port 8080" in shown and "/home/ada" in shown  # not secret: kept readable


def test_urls_headers_and_named_secrets_are_masked_without_knowing_the_value() -> None:
    text = (
        "GET https://ops:hunter22@kestra.example.com/api\n"
        "Authorization: Basic YWRtaW46c2VjcmV0\n"
        "jdbc password=p4ss; token: abc123"
    )
    shown = redact(text, [])
    assert "hunter22" not in shown and "YWRtaW46c2VjcmV0" not in shown
    assert "p4ss" not in shown and "abc123" not in shown
    assert shown.count(MASK) >= 3
