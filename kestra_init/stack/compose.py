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

Four calls run `docker compose` directly, with the command line built in one
place (`Stack._compose_command`): `ps --format json` (one call for every
container's state; python-on-whales inspects each container), `create` (its
python-on-whales form prints on stdout), `logs --follow` (its stream never ends
the process) and `config --format json` (the same call python-on-whales makes,
without importing it: 0.2 s that `up` on a running stack and `status` save).
python-on-whales does the rest (pulls, `up -d`, `down`, logs, images, volumes).

The parsed configuration is reduced to what the commands need (services,
images, ports, healthchecks, volumes): the full configuration holds the
interpolated secrets and must never be printed or kept.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kestra_init.errors import EnvironmentProblem, UsageError
from kestra_init.project import Project
from kestra_init.stack.engine import (
    daemon_unreachable_error,
    is_daemon_unreachable,
    require_docker,
)
from kestra_init.stack.hints import Hint, classify_text
from kestra_init.stack.model import (
    ComposeSettings,
    ContainerDetails,
    ServiceState,
    StackConfig,
    parse_config,
    parse_ps,
)

if TYPE_CHECKING:
    # python-on-whales costs 0.2 s to import: only the methods that drive Docker load it.
    from python_on_whales import DockerClient
    from python_on_whales.exceptions import DockerException

_OVERRIDE_FILE = "docker-compose.override.yml"
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NO_SUCH_CONTAINER = "No such container"
_PS_ATTEMPTS = 3

LineCallback = Callable[[str], None]


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
    require_docker()
    return Stack(resolve_settings(project, compose_files))


class Stack:
    """Compose operations on one project; every Docker failure becomes one of our errors."""

    def __init__(self, settings: ComposeSettings) -> None:
        self.settings = settings
        self._docker: DockerClient | None = None
        self._config: StackConfig | None = None

    @property
    def _client(self) -> DockerClient:
        """python-on-whales' client, made (and imported, 0.2 s) on first use only.

        `up` on a running stack and `status` read the configuration and the
        containers' states with direct compose calls and never need it.
        """
        if self._docker is None:
            from python_on_whales import DockerClient

            self._docker = DockerClient(
                compose_files=list(self.settings.files),
                compose_project_name=self.settings.project_name,
                compose_project_directory=self.settings.project_dir,
            )
        return self._docker

    @property
    def client(self) -> DockerClient:
        return self._client

    # Reading -----------------------------------------------------------------
    def config(self) -> StackConfig:
        """The stack's configuration, read once (also proves the files are valid).

        `compose config --format json`, the call python-on-whales' compose.config()
        makes, run directly (see `_client`).
        """
        if self._config is None:
            done = self._run("read the compose configuration", "config", "--format", "json")
            try:
                raw = json.loads(done.stdout)
            except ValueError:
                raise self._failure(
                    "read the compose configuration", done.stdout[-2000:], 0
                ) from None
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
        """Images of the stack that are not on this machine yet.

        One `docker image inspect` for all of them (it names each missing one),
        run directly: python-on-whales asks image by image and costs its import.
        """
        images = sorted(set(self.config().images.values()))
        if not images:
            return []
        try:
            done = subprocess.run(
                ["docker", "image", "inspect", "--format", "{{.Id}}", *images],
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError as error:
            raise self._failure("look for the images", str(error), 127) from None
        if done.returncode == 0:
            return []
        said = done.stderr.lower()
        missing = [image for image in images if f"no such image: {image.lower()}" in said]
        if not missing:  # it failed for another reason (the daemon went away...)
            raise self._failure("look for the images", done.stderr, done.returncode)
        return missing

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
        self,
        services: Sequence[str],
        *,
        follow: bool,
        tail: int | None,
        since: str | None = None,
    ) -> Iterator[str]:
        """Log lines of ``services`` (all when empty) prefixed by service, as they come.

        The compose process is ours: it ends when the caller stops reading (the
        generator is closed, or Ctrl-C interrupts it). python-on-whales' stream
        left `logs --follow` running after Ctrl-C: its reader threads never end it.
        """
        args = ["logs", "--no-color"]
        if tail is not None:
            args += ["--tail", str(tail)]
        if since is not None:
            args += ["--since", since]
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
        """`docker compose up -d`: create and start what is not running; keep what is.

        Run directly, its lines passed on as they come (python-on-whales' form of
        this call costs its import for nothing we need).
        """
        action = "start the stack"
        process = self._start(
            action, ["up", "-d"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        said: list[str] = []
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                text = strip_ansi(raw.decode(errors="replace")).strip()
                if text:
                    said.append(text)
                    if on_line is not None:
                        on_line(text)
            code = process.wait()
        finally:
            _end(process)
        if code != 0:
            raise self._failure(action, "\n".join(said), code)

    def unchanged(self, on_line: LineCallback | None = None) -> bool:
        """On a running stack: True when its configuration changes nothing.

        `compose create` answers in a tenth of a second and changes nothing when
        the configuration is unchanged, where `compose up -d` always spends half a
        second or more re-checking healthchecks before it says so. A container it
        recreated (a changed .env) is left created: `up` then starts it.
        """
        # Run directly: python-on-whales' create() prints its command line
        # on stdout when streaming, which would corrupt our --json output.
        err = self._run("check the stack", "create").stderr
        lines = [line.strip() for line in err.splitlines() if line.strip()]
        for line in lines:
            if on_line is not None:
                on_line(line)
        return all(line.endswith(" Running") for line in lines)

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
        (see `config`, `states`, `unchanged`, `follow_logs`) then use none of its internals.
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
        try:
            return subprocess.Popen(self._compose_command(*args), **popen)
        except OSError as error:
            raise self._failure(action, str(error), 127) from None

    def _translate(self, error: DockerException, action: str) -> EnvironmentProblem:
        output = "\n".join(part for part in (error.stderr, error.stdout) if part)
        return self._failure(action, output, error.return_code)

    def _failure(self, action: str, output: str, return_code: int) -> EnvironmentProblem:
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


def strip_ansi(text: str) -> str:
    """Compose's log output carries terminal escapes (line clearing) even when piped."""
    return _ANSI_RE.sub("", text)


def _last_lines(text: str, count: int) -> list[str]:
    return [line for line in text.strip().splitlines() if line.strip()][-count:]
