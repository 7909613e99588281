"""The readiness stages of `up`, and the probes behind them.

1. database healthy: every service Kestra depends on reports "healthy";
2. containers running: `docker compose up -d` finished and every service runs;
3. Kestra /health UP: the management port answers (skipped when not published,
   as in Kestra 2.0's default setup);
4. API answers: an authenticated call succeeds with the credentials from .env.

Probes also watch the containers, so a container that exits ends the wait at
once with its logs and a hint, instead of at the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kestra_init.errors import KestraAuthError, KestraError, KestraInitError, KestraUnreachable
from kestra_init.kestra.connection import Connection
from kestra_init.stack.compose import ComposeFailed, Stack
from kestra_init.stack.failures import explain, service_stopped
from kestra_init.stack.hints import auth_setup_hint
from kestra_init.stack.model import KESTRA_MANAGEMENT_TARGET, Health, ServiceState, StackConfig
from kestra_init.stack.readiness import BackgroundJob, Probe, Stage

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient

# How long 401 may last once /health is UP before we call it a credentials problem,
# when /api/v1/configs cannot say why (Kestra 2.0 answers it with 401 too). On 1.x
# /configs says at once whether Kestra is on its setup page, and no wait is needed.
AUTH_GRACE = 3.0
# A `compose ps` answer is reused for this long: stages that pass one after the
# other on a running stack then cost one call, not one each.
STATES_FRESH = 0.3


@dataclass
class StackWatch:
    """What the probes share: the stack, its start job and the Kestra client."""

    stack: Stack
    config: StackConfig
    job: BackgroundJob | None
    client: KestraClient
    connection: Connection
    clock: Callable[[], float] = time.monotonic

    _states: dict[str, ServiceState] | None = None
    _states_at: float = 0.0
    _states_settled: bool = False

    def states(self) -> dict[str, ServiceState]:
        """The containers' states; one `compose ps` serves the probes of one poll.

        Read again once `compose up` has finished, whatever the age of the last answer.
        """
        now = self.clock()
        settled = self.settled
        stale = now - self._states_at > STATES_FRESH or settled != self._states_settled
        if self._states is None or stale:
            self._states, self._states_at = self.stack.states(), now
            self._states_settled = settled
        return self._states

    def seed(self, states: dict[str, ServiceState]) -> None:
        """States read a moment ago and known to be unchanged since: the next probes use them."""
        self._states, self._states_at = states, self.clock()
        self._states_settled = self.settled

    @property
    def settled(self) -> bool:
        """`compose up` has finished: a container seen stopped now really stopped.

        Before that, a stopped container may be one left by `docker compose stop`,
        which `up` is about to start again.
        """
        return self.job is None or self.job.done

    def compose_error(self, service: str) -> KestraInitError | None:
        """The start job's error, explained with ``service``'s logs; None when it is fine."""
        if self.job is None or self.job.error is None:
            return None
        error = self.job.error
        if not isinstance(error, ComposeFailed):
            raise error  # e.g. the daemon went away: that error says it all
        if error.hint is not None and error.hint.kind in ("port", "pull", "network"):
            return error  # Compose's own words say it all; the service never ran
        return explain(
            self.stack,
            service,
            what=error.what,
            why=error.why,
            fix=error.fix,
            compose_output=error.output,
        )


def up_stages(watch: StackWatch, *, timeout: float) -> list[Stage]:
    """The stages in order, with their budgets inside ``timeout``."""
    config = watch.config
    stages: list[Stage] = []
    databases = config.database_services
    if databases:
        stages.append(
            Stage(
                key="database",
                title="Database healthy",
                probe=lambda: _probe_databases(watch, databases),
                # A database that needs more than half the time is broken, not slow.
                budget=timeout / 2,
                waiting_for=f"{', '.join(databases)} to report healthy",
            )
        )
    stages.append(
        Stage(
            key="containers",
            title="Containers running",
            probe=lambda: _probe_containers(watch),
            budget=timeout / 2,
            waiting_for="`docker compose up -d` to start every service",
        )
    )
    kestra = config.kestra_service
    if kestra and config.published(kestra, KESTRA_MANAGEMENT_TARGET):
        management = config.published(kestra, KESTRA_MANAGEMENT_TARGET)
        assert management is not None
        url = f"http://{management.probe_host}:{management.published}"
        stages.append(
            Stage(
                key="health",
                title="Kestra /health UP",
                probe=lambda: _probe_health(watch, kestra, url),
                waiting_for=f"{url}/health to answer UP (Kestra's JVM takes 20 to 90 s)",
            )
        )
    stages.append(
        Stage(
            key="api",
            title="Kestra API answers",
            probe=_ApiProbe(watch, kestra),
            waiting_for=f"an authenticated answer from {watch.connection.url}/api/v1/main",
        )
    )
    return stages


def stage_service(stage_key: str, config: StackConfig) -> str:
    """The service whose logs explain a stage that timed out."""
    if stage_key == "database" and config.database_services:
        return config.database_services[0]
    return config.kestra_service or (config.services[0] if config.services else "")


def _probe_databases(watch: StackWatch, services: tuple[str, ...]) -> Probe:
    states = watch.states()
    waiting: list[str] = []
    for service in services:
        state = states.get(service)
        if state is None:
            if (error := watch.compose_error(service)) is not None:
                raise error
            waiting.append(f"{service}: not created yet")
            continue
        if state.state.stopped and watch.settled:
            raise service_stopped(watch.stack, state)
        if state.health is Health.UNHEALTHY and watch.settled:
            raise explain(
                watch.stack,
                service,
                what=f"The '{service}' container is unhealthy",
                why="Its healthcheck kept failing.",
                fix=f"Read its log lines below (`kestra-init logs {service}`)",
            )
        if state.health is not Health.HEALTHY:
            waiting.append(f"{service}: {state.health.value or state.state.value}")
    if (error := watch.compose_error(services[0])) is not None:
        raise error
    if waiting:
        return Probe(False, "; ".join(waiting))
    return Probe(True, ", ".join(services))


def _probe_containers(watch: StackWatch) -> Probe:
    kestra = watch.config.kestra_service or ""
    if (error := watch.compose_error(kestra)) is not None:
        raise error
    if watch.job is not None and not watch.job.done:
        return Probe(False, watch.job.last_line)
    states = watch.states()
    for state in states.values():
        if state.state.stopped:
            raise service_stopped(watch.stack, state)
    missing = [name for name in watch.config.services if name not in states]
    if missing:
        return Probe(False, f"not created: {', '.join(missing)}")
    not_running = [s.service for s in states.values() if not s.running]
    if not_running:
        return Probe(False, f"starting: {', '.join(not_running)}")
    return Probe(True, ", ".join(sorted(states)))


def _probe_health(watch: StackWatch, service: str, url: str) -> Probe:
    _raise_if_stopped(watch, service)
    try:
        answer = watch.client.health(url, retry=False)
    except KestraError as error:
        return Probe(False, _short(error))
    status = str(answer.get("status", "")).upper()
    if status == "UP":
        return Probe(True, "UP")
    return Probe(False, f"/health says {status or 'nothing'}")


class _ApiProbe:
    """An authenticated call; a 401 is a credentials error once /configs says why.

    On the first 401, `GET /api/v1/configs` (open in 1.x) tells the two cases apart
    at once: ``isBasicAuthInitialized`` false is the setup page (the configured
    credentials were refused), true is a server that has credentials, not ours.
    Only when /configs cannot tell (2.0: it needs auth too) does a 401 get
    AUTH_GRACE seconds to go away.
    """

    def __init__(self, watch: StackWatch, service: str | None) -> None:
        self.watch = watch
        self.service = service
        self.first_refusal: float | None = None

    def __call__(self) -> Probe:
        if self.service:
            _raise_if_stopped(self.watch, self.service)
        client = self.watch.client
        try:
            client.probe(retry=False)
        except KestraAuthError as error:
            initialized = self._basic_auth_initialized()
            if initialized is False:
                raise self._setup_page() from None
            if initialized is True:
                raise error from None
            now = self.watch.clock()
            self.first_refusal = self.first_refusal or now
            if now - self.first_refusal < AUTH_GRACE:
                return Probe(False, "401: credentials refused so far")
            raise error from None
        except KestraError as error:
            self.first_refusal = None
            return Probe(False, _short(error))
        who = self.watch.connection.username or "token"
        return Probe(True, f"as {who}")

    def _basic_auth_initialized(self) -> bool | None:
        """What /api/v1/configs says; None when it cannot tell (2.0, an error)."""
        try:
            configs = self.watch.client.configs(retry=False)
        except KestraInitError:
            return None
        value = configs.get("isBasicAuthInitialized")
        return value if isinstance(value, bool) else None

    def _setup_page(self) -> KestraInitError:
        hint = auth_setup_hint(self.watch.connection.username)
        return KestraAuthError(
            "Kestra refuses the credentials from .env (it is on its setup page)",
            hint.why,
            hint.fix,
        )


def _raise_if_stopped(watch: StackWatch, service: str) -> None:
    state = watch.states().get(service)
    if state is not None and state.state.stopped and watch.settled:
        raise service_stopped(watch.stack, state)


def _short(error: KestraInitError) -> str:
    """A few words for the live display; the full error is for when the wait fails."""
    if isinstance(error, KestraUnreachable):
        # Docker's port proxy accepts and drops connections while nothing listens in
        # the container, so "refused", "reset" and "closed" all mean the same: starting.
        return "no answer yet"
    text = (error.why or error.what).split(". ")[0]
    return text if len(text) <= 60 else text[:57] + "..."
