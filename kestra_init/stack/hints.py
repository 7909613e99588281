"""Turn what a failed start left behind into one hint a person can act on.

The inputs are what the machine tells us: Compose's error output, a
container's state (exit code, the kernel's OOM flag) and its last log lines.
Each rule matches the words Docker, Postgres or the JVM actually print, and
gives the reason and the fix in plain language. The first rule that matches
wins; the order puts the most specific ones first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kestra_init.stack.model import ContainerDetails

EXIT_KILLED = 137  # 128 + SIGKILL: what the kernel's OOM killer leaves behind


@dataclass(frozen=True)
class Hint:
    # A stable id: oom, port, auth-setup, postgres-major, postgres-password, pull, network.
    kind: str
    why: str
    fix: str


# Docker's words for a taken port, from the daemon (userland proxy) or the kernel.
_PORT_RES = (
    re.compile(r"Bind for [\[\]0-9a-fA-F.:]*:(\d+) failed: port is already allocated"),
    re.compile(r"listen tcp[46]? [\[\]0-9a-fA-F.:]*:(\d+): bind: address already in use"),
    re.compile(r"[\[\]0-9a-fA-F.:]+:(\d+): bind: address already in use"),
)
_PORT_WORDS = ("port is already allocated", "address already in use")

# Postgres refusing a data directory made by another major version.
_PG_MAJOR_RE = re.compile(
    r"initialized by PostgreSQL version (\d+), which is not compatible with this version (\d+)"
)
_PG_MAJOR_WORDS = (
    "database files are incompatible with server",
    "there appears to be PostgreSQL data in",  # postgres:18 image, old /data mount
)

_IMAGE_MISSING_WORDS = (
    "pull access denied",
    "manifest unknown",
    "repository does not exist",
    "not found: manifest",
)
_IMAGE_MISSING_RE = re.compile(r"manifest for (\S+) not found")
_NETWORK_WORDS = (
    "no such host",
    "dial tcp",
    "i/o timeout",
    "tls handshake timeout",
    "temporary failure in name resolution",
    "network is unreachable",
    "connection refused",
    "toomanyrequests",
    "failed to resolve reference",
    "client.timeout exceeded",
)
_OOM_WORDS = ("java.lang.outofmemoryerror", "out of memory", "oomkilled")


def classify_text(text: str) -> Hint | None:
    """A hint from Compose's or a container's output alone."""
    for rule in _TEXT_RULES:
        hint = rule(text)
        if hint is not None:
            return hint
    return None


def classify_failure(
    *,
    service: str,
    details: ContainerDetails | None = None,
    logs: Iterable[str] = (),
    compose_output: str = "",
    exit_code: int = 0,
) -> Hint | None:
    """A hint from everything known about a service that did not become ready.

    ``exit_code`` is the one `compose ps` saw (a restarting container's inspect
    data may already show its next run).
    """
    log_text = "\n".join(logs)
    code = exit_code or (details.exit_code if details is not None else 0)
    flagged = details is not None and details.oom_killed
    if code == EXIT_KILLED or flagged:
        # 137 is any SIGKILL (docker kill, a stop past its grace period, the daemon
        # restarting, the kernel's OOM killer). Memory is named only on evidence: the
        # kernel's verdict as Docker records it, or the JVM's own OutOfMemoryError.
        if flagged:
            return _oom_hint(service, code, "Docker recorded the kernel's out-of-memory kill")
        if _oom_text_rule(log_text):
            return _oom_hint(service, code, "its log shows it ran out of memory")
        return _killed_hint(service, code)
    return classify_text(compose_output) or classify_text(log_text)


def auth_setup_hint(email: str | None) -> Hint:
    """Kestra is up but refuses the credentials from .env: it is on its setup page."""
    who = f"'{email}'" if email else "the user in .env"
    return Hint(
        kind="auth-setup",
        why=(
            f"Kestra answers, but refuses {who} with 401: it is still on its setup page, "
            "which happens when the basic-auth credentials it was started with break its "
            "rules (the username must be an email; the password needs 8+ characters with an "
            "upper-case letter, a lower-case letter and a digit), or when they were changed "
            "in .env without recreating the container"
        ),
        fix=(
            "Fix KESTRA_ADMIN_EMAIL and KESTRA_ADMIN_PASSWORD in .env (`kestra-init doctor` "
            "checks them), then run `kestra-init up` again, which recreates the container "
            "with the new values"
        ),
    )


def _killed_hint(service: str | None, exit_code: int) -> Hint:
    who = f"The '{service}' container" if service else "A container of the stack"
    return Hint(
        kind="killed",
        why=(
            f"{who} was killed (SIGKILL, exit code {exit_code}): by `docker kill`, by a stop "
            "that outlasted its grace period, by the Docker daemon restarting, or by the "
            "kernel's out-of-memory killer, which Docker does not always report on cgroup v2"
        ),
        fix=(
            "Run `kestra-init up` again; if it is killed again, read its last lines "
            "(`kestra-init logs kestra`) and check the memory Docker has "
            "(`kestra-init doctor`): Kestra with Postgres needs about 4 GB"
        ),
    )


def _oom_hint(service: str | None, exit_code: int, evidence: str = "") -> Hint:
    code = f" (exit code {exit_code})" if exit_code else ""
    who = f"The '{service}' container" if service else "A container of the stack"
    seen = f" ({evidence})" if evidence else ""
    return Hint(
        kind="oom",
        why=(f"{who} ran out of memory{code}{seen}: Kestra's JVM needs about 4 GB with Postgres"),
        fix=(
            "Give Docker more memory (Docker Desktop: Settings > Resources; a codespace: a "
            "machine with 8 GB), stop other containers, or create the project with "
            "`--data database=h2`, which runs one lighter container"
        ),
    )


def _port_rule(text: str) -> Hint | None:
    lowered = text.lower()
    if not any(words in lowered for words in _PORT_WORDS):
        return None
    port = next((match.group(1) for rx in _PORT_RES if (match := rx.search(text))), None)
    which = f"port {port}" if port else "a port the stack publishes"
    return Hint(
        kind="port",
        why=f"Docker could not publish {which}: another program or container already uses it",
        fix=(
            f"Stop whatever holds {which} (`kestra-init doctor` names it when it can), or "
            "choose other ports with KESTRA_PORT / KESTRA_MANAGEMENT_PORT in .env, then run "
            "`kestra-init up` again"
        ),
    )


def _postgres_major_rule(text: str) -> Hint | None:
    match = _PG_MAJOR_RE.search(text)
    if match is None and not any(words in text for words in _PG_MAJOR_WORDS):
        return None
    if match:
        old, new = match.groups()
        why = (
            f"The database volume was created by Postgres {old}, and the image is now "
            f"Postgres {new}: a major version cannot open another's data files"
        )
        pin = f"pin the image back to postgres:{old} in docker-compose.yml"
    else:
        why = (
            "The database volume holds data in a layout another Postgres major version "
            "made, so the Postgres container refuses to start"
        )
        pin = "pin the Postgres image back to the major version that created the volume"
    return Hint(
        kind="postgres-major",
        why=why,
        fix=(
            f"Either {pin}, or start from an empty database with `kestra-init down "
            "--volumes` (this deletes the flows, executions and files stored by Kestra; "
            "your flow files in flows/ stay)"
        ),
    )


def _postgres_password_rule(text: str) -> Hint | None:
    # Postgres sets its password when it creates the data volume, and keeps it:
    # a new .env (project made again under the same name, .env deleted and made
    # again by `up`, POSTGRES_PASSWORD edited) no longer matches the volume's.
    if "password authentication failed" not in text.lower():
        return None
    return Hint(
        kind="postgres-password",
        why=(
            "Kestra cannot log in to its database: the Postgres data volume was created with "
            "another POSTGRES_PASSWORD, and Postgres keeps the password it was first started "
            "with (this happens when a project is made again under the same name, or .env "
            "was deleted or POSTGRES_PASSWORD changed)"
        ),
        fix=(
            "Put the old POSTGRES_PASSWORD back in .env if you still have it, or start from an "
            "empty database with `kestra-init down --volumes` (this deletes the flows, "
            "executions and files stored by Kestra; your flow files in flows/ stay), then run "
            "`kestra-init up` again"
        ),
    )


def _image_missing_rule(text: str) -> Hint | None:
    lowered = text.lower()
    match = _IMAGE_MISSING_RE.search(text)
    if match is None and not any(words in lowered for words in _IMAGE_MISSING_WORDS):
        return None
    which = f"'{match.group(1)}'" if match else "an image of the stack"
    return Hint(
        kind="pull",
        why=f"Docker could not pull {which}: the registry has no such image or tag",
        fix=(
            "Check the image names and tags in docker-compose.yml (Kestra's are "
            "kestra/kestra:v1.x), or log in with `docker login` if the image is private"
        ),
    )


def _network_rule(text: str) -> Hint | None:
    lowered = text.lower()
    if not any(words in lowered for words in _NETWORK_WORDS):
        return None
    why = "Docker could not reach the image registry: this machine has no network access to it"
    fix = (
        "Check the internet connection, proxy or VPN, then run `kestra-init up` again; "
        "on a machine without a registry, load the images with `docker load` first"
    )
    return Hint(kind="network", why=why, fix=fix)


RATE_LIMIT_WORDS = ("toomanyrequests", "too many requests", "pull rate limit")


def _rate_limit_rule(text: str) -> Hint | None:
    """The registry's pull rate limit (Docker Hub: a number of pulls per 6 hours, per
    account or, without a login, per IP address, which a room on one network shares)."""
    lowered = text.lower()
    if not any(words in lowered for words in RATE_LIMIT_WORDS):
        return None
    return Hint(
        kind="rate-limit",
        why=(
            "the registry refused the download: its pull rate limit was reached (Docker Hub "
            "counts pulls per 6 hours, per account, or per IP address without a login, so "
            "machines that share a network share the limit)"
        ),
        fix=(
            "Run `docker login` (a free Docker Hub account has its own, higher limit) and try "
            "again, or wait; for a workshop, let a Codespaces prebuild pull the images once "
            "(see the project README's organiser's guide)"
        ),
    )


def _oom_text_rule(text: str) -> Hint | None:
    lowered = text.lower()
    if any(words in lowered for words in _OOM_WORDS):
        return _oom_hint(None, 0)
    return None


# Port and Postgres first: their words are specific. Network words ("dial tcp",
# "connection refused") also appear in other errors, so they come last.
_TEXT_RULES: tuple[Callable[[str], Hint | None], ...] = (
    _port_rule,
    _postgres_major_rule,
    _postgres_password_rule,
    _oom_text_rule,
    _rate_limit_rule,
    _image_missing_rule,
    _network_rule,
)
