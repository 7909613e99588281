"""URLs printed to users: the forwarded address inside a codespace, localhost elsewhere."""

from __future__ import annotations

from kestra_init.codespaces.environment import in_codespace, public_url

CODESPACE = {
    "CODESPACES": "true",
    "CODESPACE_NAME": "fluffy-robot-5xq",
    "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN": "app.github.dev",
}


def test_codespace_url_uses_the_forwarding_domain_from_the_environment() -> None:
    assert in_codespace(CODESPACE)
    assert public_url(8080, CODESPACE) == "https://fluffy-robot-5xq-8080.app.github.dev"
    other = {**CODESPACE, "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN": "preview.example.net"}
    assert public_url(9090, other) == "https://fluffy-robot-5xq-9090.preview.example.net"


def test_outside_a_codespace_urls_are_localhost() -> None:
    assert not in_codespace({})
    assert public_url(8080, {}) == "http://localhost:8080"
    assert public_url(8080, {"CODESPACES": "false", "CODESPACE_NAME": "x"}) == (
        "http://localhost:8080"
    )
