"""Checks that only matter inside a GitHub codespace (or a dev container).

Two things break Kestra in a codespace and look fine from inside it:
- Docker must run *inside* the container (the docker-in-docker feature). With
  docker-outside-of-docker, the ports compose publishes are on the host VM, not
  on the container's localhost, so Codespaces cannot forward them.
- The UI port must be forwarded; `devcontainer.json` forwards the port the
  project was generated with, and a port changed later in `.env` is not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kestra_init.check_result import CheckResult, Status, passed, warning
from kestra_init.project import Project

DEVCONTAINER_FILE = Path(".devcontainer") / "devcontainer.json"
_DIND_FEATURE = "ghcr.io/devcontainers/features/docker-in-docker:2"


def check_docker_in_docker(proc: Path = Path("/proc")) -> CheckResult:
    """dockerd runs in this container (its process is visible here)."""
    title = "Docker runs inside the codespace (docker-in-docker)"
    if _dockerd_running(proc):
        return passed("codespace-dind", title, "dockerd runs in this container")
    return CheckResult(
        "codespace-dind",
        title,
        Status.FAILED,
        "no dockerd process in this container: Docker is the host's (docker-outside-of-docker) "
        "or not running",
        f'Add the feature "{_DIND_FEATURE}": {{}} to .devcontainer/devcontainer.json and '
        "rebuild the codespace (Command Palette: Codespaces: Rebuild Container)",
    )


def check_port_forwarded(project: Project) -> CheckResult:
    """devcontainer.json forwards the UI port the stack publishes."""
    title = "Kestra UI port forwarded"
    port = project.ui_port
    path = project.root / DEVCONTAINER_FILE
    if not path.is_file():
        return warning(
            "codespace-port",
            title,
            f"{DEVCONTAINER_FILE} is missing, so port {port} is forwarded only when "
            "Codespaces notices it",
            f"Forward it in the Ports panel, or add a devcontainer with forwardPorts [{port}]",
        )
    try:
        config = parse_jsonc(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        return CheckResult(
            "codespace-port",
            title,
            Status.FAILED,
            f"{DEVCONTAINER_FILE} cannot be read: {error}",
            "Fix the JSON of that file (comments are allowed), then rebuild the codespace",
        )
    forwarded = _forwarded_ports(config)
    if port in forwarded:
        return passed("codespace-port", title, f"port {port} is in forwardPorts")
    shown = ", ".join(str(p) for p in sorted(forwarded)) or "none"
    return CheckResult(
        "codespace-port",
        title,
        Status.FAILED,
        f"KESTRA_PORT is {port}, but {DEVCONTAINER_FILE} forwards {shown}",
        f"Add {port} to forwardPorts in {DEVCONTAINER_FILE} (and rebuild), or forward it now "
        "in the Ports panel",
    )


def parse_jsonc(text: str) -> Any:
    """JSON with // and /* */ comments and trailing commas, as dev containers allow."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':  # copy a string as is, escapes included
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            out.append(char)
            i += 1
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", "".join(out)))


def _forwarded_ports(config: Any) -> set[int]:
    ports: set[int] = set()
    if not isinstance(config, dict):
        return ports
    for item in config.get("forwardPorts") or []:
        # Either a number or "host:port".
        text = str(item).rsplit(":", 1)[-1]
        if text.isdigit():
            ports.add(int(text))
    return ports


def _dockerd_running(proc: Path) -> bool:
    try:
        entries = list(proc.iterdir())
    except OSError:
        return False
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "dockerd":
                return True
        except OSError:
            continue
    return False
