"""The project's compose stack, driven through python-on-whales.

Which compose files and project name are used follows Docker Compose's own
rules, so overrides work the way people expect:

1. ``--compose-file`` (repeatable), relative to the current folder;
2. else ``COMPOSE_FILE`` from the environment, else from the project's ``.env``
   (split on ``COMPOSE_PATH_SEPARATOR``, default ``:``), relative to the project;
3. else the project's ``docker-compose.yml`` (plus ``docker-compose.override.yml``
   when there is one, as Compose does).

``COMPOSE_PROJECT_NAME`` (environment, then ``.env``) wins over the file's
``name:``. Compose is always run with the project folder as its project
directory, so ``.env`` interpolation works from any sub-folder.

Three calls run `docker compose` directly, with the command line built in one
place (`Stack._compose_command`), because python-on-whales' public API cannot
make them as needed: `ps --format json` (one call for every container's state),
`create` (its python-on-whales form prints on stdout) and `logs --follow` (its
stream never ends the process).

The parsed configuration is reduced to what the commands need (services,
images, ports, healthchecks, volumes): the full configuration holds the
interpolated secrets and must never be printed or kept.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kestra_init.errors import EnvironmentProblem, UsageError
from kestra_init.project import Project

if TYPE_CHECKING:
    import subprocess

    from python_on_whales import DockerClient
    from python_on_whales.exceptions import DockerException

    from kestra_init.stack.hints import Hint

KESTRA_SERVICE = "kestra"
DATABASE_SERVICE = "postgres"
KESTRA_UI_TARGET = 8080  # the ports inside the Kestra container
KESTRA_MANAGEMENT_TARGET = 8081
_OVERRIDE_FILE = "docker-compose.override.yml"
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
_STATUS_CODE_RE = re.compile(r"^(?:Restarting|Exited) \((\d+)\)")
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NO_SUCH_CONTAINER = "No such container"
_PS_ATTEMPTS = 3

LineCallback = Callable[[str], None]


@dataclass(frozen=True)
class ComposeSettings:
    """Where compose runs and with which files and project name."""

    project_dir: Path
    files: tuple[Path, ...]
    project_name: str | None = None  # None: the files' `name:` (or the folder's name)


@dataclass(frozen=True)
class PublishedPort:
    service: str
    target: int
    published: int
    host_ip: str  # "" when published on every address

    @property
    def probe_host(self) -> str:
        """The address to reach this port from the host."""
        return "127.0.0.1" if self.host_ip in ("", "0.0.0.0", "::") else self.host_ip


@dataclass(frozen=True)
class StackConfig:
    """The parts of `docker compose config` the commands use (no environment values)."""

    name: str
    services: tuple[str, ...]
    images: Mapping[str, str]
    healthchecked: frozenset[str]
    ports: tuple[PublishedPort, ...]
    volumes: tuple[str, ...]  # the engine's names, e.g. "myproj_kestra-data"

    @property
    def kestra_service(self) -> str | None:
        return KESTRA_SERVICE if KESTRA_SERVICE in self.services else None

    @property
    def database_services(self) -> tuple[str, ...]:
        """Services Kestra waits for: every other service with a healthcheck."""
        return tuple(
            name for name in self.services if name != KESTRA_SERVICE and name in self.healthchecked
        )

    def published(self, service: str, target: int) -> PublishedPort | None:
        for port in self.ports:
            if port.service == service and port.target == target:
                return port
        return None


@dataclass(frozen=True)
class ServiceState:
    """One container of the stack as the engine sees it."""

    service: str
    name: str
    container_id: str
    state: str  # created, running, restarting, exited, paused, dead
    health: str  # "" (no healthcheck), starting, healthy, unhealthy
    exit_code: int
    ports: tuple[PublishedPort, ...] = field(default=())
    # The folder Compose was run from when it made the container ("" when unknown).
    working_dir: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def ready(self) -> bool:
        """Running, and healthy when the service has a healthcheck."""
        return self.running and self.health in ("", "healthy")


@dataclass(frozen=True)
class ContainerDetails:
    """What `docker inspect` adds for explaining a failure or proving no restart."""

    started_at: str
    oom_killed: bool
    exit_code: int
    restart_count: int
    state: str


def resolve_settings(
    project: Project,
    compose_files: Sequence[Path] = (),
    environ: Mapping[str, str] | None = None,
) -> ComposeSettings:
    """The compose files and project name for ``project``, by Compose's own precedence."""
    env = os.environ if environ is None else environ
    if compose_files:
        files = tuple(Path(path).expanduser().resolve() for path in compose_files)
        origin = "--compose-file"
    else:
        raw = env.get("COMPOSE_FILE") or project.env.get("COMPOSE_FILE", "")
        separator = env.get("COMPOSE_PATH_SEPARATOR") or project.env.get(
            "COMPOSE_PATH_SEPARATOR", os.pathsep
        )
        if raw:
            files = tuple(
                (project.root / part).resolve() for part in raw.split(separator) if part.strip()
            )
            origin = "COMPOSE_FILE"
        else:
            files = (project.compose_path,)
            if (project.root / _OVERRIDE_FILE).is_file():
                files += (project.root / _OVERRIDE_FILE,)
            origin = "the project"
    for path in files:
        if not path.is_file():
            raise UsageError(
                f"The compose file {path} does not exist",
                f"It was named by {origin}.",
                "Check the path (relative paths in COMPOSE_FILE are read from the project "
                "folder), or leave the option out to use the project's docker-compose.yml",
            )
    name = env.get("COMPOSE_PROJECT_NAME") or project.env.get("COMPOSE_PROJECT_NAME") or None
    return ComposeSettings(project_dir=project.root, files=files, project_name=name)


def open_stack(project: Project, compose_files: Sequence[Path] = ()) -> Stack:
    """The project's stack, after making sure there is a docker command to drive it."""
    from kestra_init.stack.checks import require_docker

    require_docker()
    return Stack(resolve_settings(project, compose_files))


class Stack:
    """Compose operations on one project; every Docker failure becomes one of our errors."""

    def __init__(self, settings: ComposeSettings) -> None:
        from python_on_whales import DockerClient

        self.settings = settings
        self._client: DockerClient = DockerClient(
            compose_files=list(settings.files),
            compose_project_name=settings.project_name,
            compose_project_directory=settings.project_dir,
        )
        self._config: StackConfig | None = None

    @property
    def client(self) -> DockerClient:
        return self._client

    # Reading -----------------------------------------------------------------
    def config(self) -> StackConfig:
        """The stack's configuration, read once (also proves the files are valid)."""
        if self._config is None:
            raw = self._call("read the compose configuration", self._client.compose.config, True)
            self._config = parse_config(raw)
        return self._config

    def states(self) -> dict[str, ServiceState]:
        """The stack's containers (running or not), by service name."""
        # `compose ps --format json` gives state, health and exit code of every
        # container in one call; python-on-whales' ps() would inspect each
        # container separately, several times, which is too slow to poll.
        attempts_left = _PS_ATTEMPTS
        while True:
            try:
                output = self._run("list the stack's containers", "ps", "--all", "--format", "json")
                return parse_ps(output.stdout)
            except ComposeFailed as error:
                # Compose lists the containers, then inspects each: one removed in
                # between (Compose recreating it for a changed .env while `up`
                # polls) fails the whole call. Asked again, it is simply not there.
                attempts_left -= 1
                if attempts_left == 0 or _NO_SUCH_CONTAINER not in error.output:
                    raise
            time.sleep(0.1)

    def details(self, container: str) -> ContainerDetails | None:
        """Start time, OOM flag, exit code and restart count of one container."""
        from python_on_whales.exceptions import DockerException

        try:
            inspected = self._client.container.inspect(container)
            state = inspected.state
            restarts = inspected.restart_count
        except DockerException:
            return None  # removed meanwhile: nothing to explain
        return ContainerDetails(
            started_at=state.started_at.isoformat() if state.started_at else "",
            oom_killed=bool(state.oom_killed),
            exit_code=int(state.exit_code or 0),
            restart_count=int(restarts or 0),
            state=str(state.status or ""),
        )

    def missing_images(self) -> list[str]:
        """Images of the stack that are not on this machine yet."""
        images = sorted(set(self.config().images.values()))
        exists = self._client.image.exists
        return [image for image in images if not self._call("look for the images", exists, image)]

    def existing_volumes(self) -> list[str]:
        """The stack's volumes that exist on the engine (data a `down --volumes` deletes)."""
        exists = self._client.volume.exists
        return [
            name for name in self.config().volumes if self._call("list the volumes", exists, name)
        ]

    def log_tail(self, service: str, lines: int = 50) -> list[str]:
        """The last ``lines`` lines a service wrote (both streams); [] when unknown."""
        from python_on_whales.exceptions import DockerException

        try:
            text = self._client.compose.logs(
                services=[service], tail=str(lines), no_log_prefix=True
            )
        except DockerException:
            return []
        return [strip_ansi(line) for line in text.splitlines()[-lines:]]

    def follow_logs(
        self, services: Sequence[str], *, follow: bool, tail: int | None
    ) -> Iterator[str]:
        """Log lines of ``services`` (all when empty) prefixed by service, as they come.

        The compose process is ours: it ends when the caller stops reading (the
        generator is closed, or Ctrl-C interrupts it). python-on-whales' stream
        left `logs --follow` running after Ctrl-C: its reader threads never end it.
        """
        import subprocess
        import tempfile

        args = ["logs", "--no-color"]
        if tail is not None:
            args += ["--tail", str(tail)]
        if follow:
            args.append("--follow")
        args += list(services)
        # Compose's own messages go to a file, not a pipe: nobody reads a pipe while
        # the log lines stream, and a full one would stall compose.
        with tempfile.TemporaryFile() as messages:
            process = self._start("read the logs", args, stdout=subprocess.PIPE, stderr=messages)
            try:
                assert process.stdout is not None
                for raw in process.stdout:
                    yield strip_ansi(raw.decode(errors="replace").rstrip("\n"))
                code = process.wait()
                if code != 0:
                    messages.seek(0)
                    text = messages.read().decode(errors="replace")
                    raise self._failure("read the logs", text, code)
            finally:
                _end(process)

    # Changing ----------------------------------------------------------------
    def pull(self, services: Sequence[str] = (), on_line: LineCallback | None = None) -> None:
        """Pull the images of ``services`` (all when empty), reporting compose's lines."""
        self._stream(
            "pull the images",
            self._client.compose.pull(services=list(services) or None, stream_logs=True),
            on_line,
        )

    def up(self, on_line: LineCallback | None = None) -> None:
        """`docker compose up -d`: create and start what is not running; keep what is."""
        self._stream(
            "start the stack",
            self._client.compose.up(detach=True, stream_logs=True),
            on_line,
        )

    def converge(self, on_line: LineCallback | None = None, *, running: bool = False) -> bool:
        """Bring the stack to its configuration; True when something was (re)started.

        On a stack that already runs, `compose create` first: it answers in a tenth
        of a second and changes nothing when the configuration is unchanged, where
        `compose up -d` always spends half a second or more re-checking healthchecks
        before it says so. When it recreated something, `up -d` starts it.
        """
        if running:
            # Run directly: python-on-whales' create() prints its command line
            # on stdout when streaming, which would corrupt our --json output.
            err = self._run("check the stack", "create").stderr
            lines = [line.strip() for line in err.splitlines() if line.strip()]
            for line in lines:
                if on_line is not None:
                    on_line(line)
            if all(line.endswith(" Running") for line in lines):
                return False
        self.up(on_line)
        return True

    def down(self, *, volumes: bool, on_line: LineCallback | None = None) -> None:
        self._stream(
            "stop the stack",
            self._client.compose.down(volumes=volumes, remove_orphans=True, stream_logs=True),
            on_line,
        )

    # Plumbing ----------------------------------------------------------------
    def _stream(self, action: str, lines: Any, on_line: LineCallback | None) -> None:
        from python_on_whales.exceptions import DockerException

        try:
            for _source, raw in lines:
                text = raw.decode(errors="replace").strip()
                if text and on_line is not None:
                    on_line(text)
        except DockerException as error:
            raise self._translate(error, action) from None

    def _call(self, action: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from python_on_whales.exceptions import DockerException

        try:
            return function(*args, **kwargs)
        except DockerException as error:
            raise self._translate(error, action) from None

    def _compose_command(self, *args: str) -> list[str]:
        """`docker compose` with this stack's files, project name and folder, then ``args``.

        The command line python-on-whales builds for its own compose calls (as read in
        0.81), written out here: the calls its public API cannot make the way we need
        (see `states`, `converge`, `follow_logs`) then use none of its internals.
        """
        command = ["docker", "compose"]
        for path in self.settings.files:
            command += ["--file", str(path)]
        if self.settings.project_name:
            command += ["--project-name", self.settings.project_name]
        command += ["--project-directory", str(self.settings.project_dir)]
        return [*command, *args]

    def _run(self, action: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one compose command to its end; a failure becomes our error."""
        import subprocess

        try:
            done = subprocess.run(
                self._compose_command(*args), capture_output=True, text=True, check=False
            )
        except OSError as error:  # the docker command vanished since the checks
            raise self._failure(action, str(error), 127) from None
        if done.returncode != 0:
            output = "\n".join(part for part in (done.stderr, done.stdout) if part)
            raise self._failure(action, output, done.returncode)
        return done

    def _start(self, action: str, args: list[str], **popen: Any) -> subprocess.Popen[bytes]:
        """Start one compose command that keeps running; stop it with `_end`."""
        import subprocess

        try:
            return subprocess.Popen(self._compose_command(*args), **popen)
        except OSError as error:
            raise self._failure(action, str(error), 127) from None

    def _translate(self, error: DockerException, action: str) -> EnvironmentProblem:
        output = "\n".join(part for part in (error.stderr, error.stdout) if part)
        return self._failure(action, output, error.return_code)

    def _failure(self, action: str, output: str, return_code: int) -> EnvironmentProblem:
        from kestra_init.stack.engine import daemon_unreachable_error, is_daemon_unreachable
        from kestra_init.stack.hints import classify_text

        if is_daemon_unreachable(output):
            return daemon_unreachable_error(output)
        files = ", ".join(str(path) for path in self.settings.files)
        hint = classify_text(output)
        return ComposeFailed(
            f"docker compose could not {action}",
            hint.why if hint else f"Compose answered with exit code {return_code}.",
            hint.fix if hint else f"Read Compose's message below; the compose files are {files}",
            details=_last_lines(output, 20),
            details_title="docker compose said",
            hint=hint,
            output=output,
        )


def _end(process: subprocess.Popen[bytes]) -> None:
    """Stop a compose command we started, if it still runs (SIGTERM, then SIGKILL).

    The docker command passes SIGTERM on to its compose plugin, so both end.
    """
    import subprocess

    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


class ComposeFailed(EnvironmentProblem):
    """A compose command failed; ``hint`` says why when the output told us."""

    def __init__(
        self,
        what: str,
        why: str,
        fix: str,
        *,
        hint: Hint | None,
        output: str,
        details: Sequence[str] = (),
        details_title: str = "",
    ) -> None:
        super().__init__(what, why, fix, details=details, details_title=details_title)
        self.hint = hint
        self.output = output


def parse_config(raw: Mapping[str, Any]) -> StackConfig:
    """Keep the names, images, ports, healthchecks and volumes of `compose config`."""
    services: dict[str, Any] = raw.get("services") or {}
    name = str(raw.get("name") or "")
    ports: list[PublishedPort] = []
    healthchecked: set[str] = set()
    for service, spec in services.items():
        check = spec.get("healthcheck") or {}
        if check.get("test") and not check.get("disable"):
            healthchecked.add(service)
        for port in spec.get("ports") or []:
            published = str(port.get("published") or "")
            if published.isdigit():
                ports.append(
                    PublishedPort(
                        service=service,
                        target=int(port.get("target") or 0),
                        published=int(published),
                        host_ip=str(port.get("host_ip") or ""),
                    )
                )
    volumes = tuple(
        str(spec.get("name") or f"{name}_{key}")
        for key, spec in (raw.get("volumes") or {}).items()
        if not (spec or {}).get("external")
    )
    return StackConfig(
        name=name,
        services=tuple(services),
        images={service: str(spec.get("image") or "") for service, spec in services.items()},
        healthchecked=frozenset(healthchecked),
        ports=tuple(ports),
        volumes=volumes,
    )


def parse_ps(output: str) -> dict[str, ServiceState]:
    """`compose ps --format json`: NDJSON since Compose 2.21, one JSON array before."""
    text = output.strip()
    if not text:
        return {}
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]
    states: dict[str, ServiceState] = {}
    for row in rows:
        service = str(row.get("Service", ""))
        ports = tuple(
            PublishedPort(
                service=service,
                target=int(item.get("TargetPort") or 0),
                published=int(item.get("PublishedPort") or 0),
                host_ip=str(item.get("URL") or ""),
            )
            for item in row.get("Publishers") or []
            if item.get("PublishedPort")
        )
        states[service] = ServiceState(
            service=service,
            name=str(row.get("Name", "")),
            container_id=str(row.get("ID", "")),
            state=str(row.get("State", "")).lower(),
            health=str(row.get("Health", "")).lower(),
            # ExitCode stays 0 while a container is "restarting"; its Status says
            # "Restarting (137) 2 seconds ago", which is what we need to explain it.
            exit_code=int(row.get("ExitCode") or 0)
            or _status_exit_code(str(row.get("Status", ""))),
            ports=ports,
            working_dir=_label(row.get("Labels"), WORKING_DIR_LABEL),
        )
    return states


def _label(labels: object, key: str) -> str:
    """One label's value; `ps --format json` gives labels as one "k=v,k=v" string."""
    if isinstance(labels, Mapping):
        return str(labels.get(key, ""))
    match = re.search(re.escape(key) + r"=(.*?)(?:,[\w.-]+=|$)", str(labels or ""))
    return match.group(1) if match else ""


def _status_exit_code(status: str) -> int:
    match = _STATUS_CODE_RE.match(status)
    return int(match.group(1)) if match else 0


def strip_ansi(text: str) -> str:
    """Compose's log output carries terminal escapes (line clearing) even when piped."""
    return _ANSI_RE.sub("", text)


def _last_lines(text: str, count: int) -> list[str]:
    return [line for line in text.strip().splitlines() if line.strip()][-count:]
