"""GitHub Codespaces: detection and the public URL of a forwarded port.

Inside a codespace a port P of the container is reachable from the browser at
``https://$CODESPACE_NAME-P.$GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN``; the
domain is read from the environment, never hard-coded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def in_codespace(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get("CODESPACES", "").lower() == "true" and bool(env.get("CODESPACE_NAME"))


def public_url(port: int, environ: Mapping[str, str] | None = None) -> str:
    """The URL a person opens for ``port``: forwarded in a codespace, else localhost."""
    env = os.environ if environ is None else environ
    domain = env.get("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN", "")
    if in_codespace(env) and domain:
        return f"https://{env['CODESPACE_NAME']}-{port}.{domain}"
    return f"http://localhost:{port}"
