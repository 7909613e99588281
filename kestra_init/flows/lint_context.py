"""What the linter needs to know about the project around the flows.

The networking rule asks which host names a task container cannot reach: the
compose services of the project (they resolve on the compose network only) and
which task runner the Kestra server applies by default (instance-wide plugin
defaults in ``KESTRA_CONFIGURATION``). Everything here is read from the
project's ``docker-compose.yml`` when there is one; without a project the
defaults of a kestra-init stack are assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kestra_init.project import yaml_loader

# The services every kestra-init stack has (postgres unless the H2 variant).
DEFAULT_SERVICES = frozenset({"kestra", "postgres"})


@dataclass(frozen=True)
class PluginDefault:
    """One plugin default: applies to types starting with ``type``."""

    type: str
    values: dict[str, Any]
    forced: bool = False


@dataclass(frozen=True)
class LintContext:
    service_names: frozenset[str] = DEFAULT_SERVICES
    # The network compose creates for the project (`<project name>_default`).
    compose_network: str | None = None
    # Plugin defaults of the Kestra server itself, weaker than a flow's own.
    server_plugin_defaults: tuple[PluginDefault, ...] = ()


def context_for_project(root: Path | None) -> LintContext:
    """Read ``root/docker-compose.yml``; fall back to the defaults on any problem."""
    if root is None:
        return LintContext()

    fallback = LintContext(compose_network=f"{_slug(root.name)}_default")
    try:
        text = (root / "docker-compose.yml").read_text(encoding="utf-8")
        data = yaml.load(text, Loader=yaml_loader())
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        # No compose file, or a broken one: that is `up`'s and `doctor`'s finding.
        return fallback
    if not isinstance(data, dict):
        return fallback
    services = data.get("services")
    names = set(DEFAULT_SERVICES)
    defaults: list[PluginDefault] = []
    if isinstance(services, dict):
        names.update(str(name) for name in services)
        kestra = services.get("kestra")
        if isinstance(kestra, dict):
            defaults = _server_plugin_defaults(kestra.get("environment"))
    name = data.get("name")
    project_name = name if isinstance(name, str) else root.name
    return LintContext(
        service_names=frozenset(names),
        compose_network=f"{_slug(project_name)}_default",
        server_plugin_defaults=tuple(defaults),
    )


def _slug(name: str) -> str:
    # Compose lower-cases the project name and keeps [a-z0-9_-].
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch in "_-") or "project"


def _server_plugin_defaults(environment: Any) -> list[PluginDefault]:
    """`kestra.plugins.defaults` from the KESTRA_CONFIGURATION variable, if set."""
    raw: Any = None
    if isinstance(environment, dict):
        raw = environment.get("KESTRA_CONFIGURATION")
    elif isinstance(environment, list):
        for entry in environment:
            if isinstance(entry, str) and entry.startswith("KESTRA_CONFIGURATION="):
                raw = entry.split("=", 1)[1]
    if not isinstance(raw, str):
        return []

    try:
        config = yaml.load(raw, Loader=yaml_loader())
    except (yaml.YAMLError, RecursionError):  # compose's text; a bad one is not our finding
        return []
    entries: Any = config
    for key in ("kestra", "plugins", "defaults"):
        entries = entries.get(key) if isinstance(entries, dict) else None
    if not isinstance(entries, list):
        return []
    found = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("type"), str):
            given = entry.get("values")
            values: dict[str, Any] = given if isinstance(given, dict) else {}
            found.append(PluginDefault(entry["type"], values, bool(entry.get("forced"))))
    return found
