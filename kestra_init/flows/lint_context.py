"""What the linter needs to know about the project around the flows.

- Which Kestra version the flows are for (``target``): the project's settings,
  else the line it pins (the `kestra_version` answer, else the image tag in its
  compose file), else the newest 1.x line.
- Which rules the project switched off (``ignored_rules``, from its settings).
- For the networking rule, which host names a task container cannot reach: the
  compose services of the project (they resolve on the compose network only)
  and which task runner the Kestra server applies by default (instance-wide
  plugin defaults in ``KESTRA_CONFIGURATION``).

Everything is read from the project's files when there is a project; without
one the defaults of a kestra-init stack are assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kestra_init.errors import UsageError
from kestra_init.flows.target import (
    DEFAULT_TARGET,
    Target,
    TargetError,
    parse_target,
    target_of_image,
    target_of_version,
)
from kestra_init.project import ANSWERS_FILE, yaml_loader
from kestra_init.project.settings import ValidateSettings, load_validate_settings

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
    target: Target = DEFAULT_TARGET
    ignored_rules: frozenset[str] = frozenset()


def pinned_target(root: Path) -> Target | None:
    """The Kestra line the project at ``root`` pins, or None when it pins none."""
    import yaml  # here, not at the top: a sync with nothing to check never loads it

    try:
        answers = yaml.load((root / ANSWERS_FILE).read_text(encoding="utf-8"), yaml_loader())
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        answers = None
    if isinstance(answers, dict):
        found = target_of_version(answers.get("kestra_version"))
        if found is not None:
            return found
    services = _compose(root).get("services")
    kestra = services.get("kestra") if isinstance(services, dict) else None
    return target_of_image(kestra.get("image")) if isinstance(kestra, dict) else None


def choose_target(given: str | None, settings: ValidateSettings, root: Path | None) -> Target:
    """``--target`` first, then the project's settings, its pinned line, the newest 1.x.

    Raises UsageError for a target that is not a version kestra-init checks for.
    """
    for text, where in ((given, "--target"), (settings.target, str(settings.source))):
        if text is None:
            continue
        try:
            return parse_target(text)
        except TargetError as error:
            raise UsageError(
                f"{where}: {error}",
                "The target decides which of Kestra's version-dependent rules apply.",
                "give a version line between 1.0 and 2.0, such as 1.3 (the default is the "
                "line the project pins)",
            ) from None
    pinned = pinned_target(root) if root is not None else None
    return pinned or DEFAULT_TARGET


def context_for_project(
    root: Path | None,
    *,
    target: Target | None = None,
    settings: ValidateSettings | None = None,
) -> LintContext:
    """The context of the project at ``root``; defaults where a file is missing or broken.

    ``settings`` are read from the project when not given; a broken settings
    file counts as none here (`validate` reads it first and reports it).
    """
    if root is None:
        return LintContext(target=target or DEFAULT_TARGET)
    if settings is None:
        try:
            settings = load_validate_settings(root)
        except UsageError:
            settings = ValidateSettings()
    if target is None:
        try:
            target = choose_target(None, settings, root)
        except UsageError:
            target = pinned_target(root) or DEFAULT_TARGET
    ignored = frozenset(settings.ignore)
    data = _compose(root)
    fallback = LintContext(
        compose_network=f"{_slug(root.name)}_default", target=target, ignored_rules=ignored
    )
    if not data:
        # No compose file, or a broken one: that is `up`'s and `doctor`'s finding.
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
        target=target,
        ignored_rules=ignored,
    )


def _compose(root: Path) -> dict[Any, Any]:
    """The project's compose file as data, or {} when it is missing or broken."""
    import yaml

    try:
        text = (root / "docker-compose.yml").read_text(encoding="utf-8")
        data = yaml.load(text, Loader=yaml_loader())
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


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
    import yaml

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
