"""Staged readiness: polling cadence, per-stage deadlines, early failure, progress events.

A simulated clock drives the stages, so the cadence and the deadlines are
checked exactly, without waiting for them.
"""

from __future__ import annotations

import itertools
import threading

import pytest

from kestra_init.errors import EnvironmentProblem, KestraAuthError
from kestra_init.stack.readiness import (
    BackgroundJob,
    Probe,
    Stage,
    StageEvent,
    StageStatus,
    StageTimeout,
    run_stages,
)
from kestra_init.stack.stages import AUTH_GRACE


class Clock:
    """Time that moves only when slept, plus a fixed cost per probe."""

    def __init__(self, probe_cost: float = 0.05) -> None:
        self.now = 100.0
        self.probe_cost = probe_cost
        self.probes: list[tuple[str, float]] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds

    def probe(self, name: str, ready_at: float | None, detail: str = "") -> Probe:
        self.probes.append((name, self.now))
        self.now += self.probe_cost
        return Probe(ready_at is not None and self.now >= ready_at, detail)


def test_each_stage_polls_at_most_every_half_second_and_stops_once_ready() -> None:
    clock = Clock()
    stages = [
        Stage("db", "Database healthy", lambda: clock.probe("db", 102.0)),
        Stage("api", "API answers", lambda: clock.probe("api", 104.3)),
    ]
    results = run_stages(stages, timeout=60, clock=clock, sleep=clock.sleep)

    assert [r.key for r in results] == ["db", "api"]
    for name in ("db", "api"):
        times = [t for n, t in clock.probes if n == name]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert gaps and all(gap == pytest.approx(0.5) for gap in gaps), gaps
    # Readiness is noticed within one interval of the moment it happened.
    assert clock.now - 104.3 <= 0.5 + clock.probe_cost


def test_a_stage_past_its_budget_times_out_even_with_time_left_overall() -> None:
    clock = Clock()
    stages = [Stage("db", "Database healthy", lambda: clock.probe("db", None, "starting"), 5.0)]
    events: list[StageEvent] = []
    with pytest.raises(StageTimeout) as caught:
        run_stages(stages, timeout=300, clock=clock, sleep=clock.sleep, progress=events.append)
    assert caught.value.stage.key == "db"
    assert 5.0 <= caught.value.waited <= 5.6
    assert "starting" in caught.value.why
    assert events[-1].status is StageStatus.FAILED


def test_the_overall_timeout_bounds_every_stage() -> None:
    clock = Clock()
    stages = [
        Stage("db", "Database healthy", lambda: clock.probe("db", 103.0)),
        Stage("health", "Kestra /health UP", lambda: clock.probe("health", None)),
    ]
    with pytest.raises(StageTimeout) as caught:
        run_stages(stages, timeout=10, clock=clock, sleep=clock.sleep)
    assert caught.value.stage.key == "health"
    assert clock.now - 100.0 == pytest.approx(10.0, abs=0.6)


def test_a_probe_error_ends_the_wait_at_once_and_is_reported() -> None:
    clock = Clock()

    def crashed() -> Probe:
        clock.now += 0.05
        raise EnvironmentProblem("The 'kestra' container stopped with exit code 137")

    events: list[StageEvent] = []
    with pytest.raises(EnvironmentProblem):
        run_stages(
            [Stage("health", "Kestra /health UP", crashed)],
            timeout=300,
            clock=clock,
            sleep=clock.sleep,
            progress=events.append,
        )
    assert clock.now - 100.0 < 1
    assert [e.status for e in events] == [StageStatus.RUNNING, StageStatus.FAILED]
    assert "137" in events[-1].detail


def test_progress_reports_start_each_poll_and_end_with_details() -> None:
    clock = Clock()
    events: list[StageEvent] = []
    run_stages(
        [Stage("db", "Database healthy", lambda: clock.probe("db", 101.0, "postgres: starting"))],
        timeout=60,
        clock=clock,
        sleep=clock.sleep,
        progress=events.append,
    )
    assert events[0].status is StageStatus.RUNNING and events[0].elapsed == 0
    assert events[-1].status is StageStatus.DONE
    assert any(e.detail == "postgres: starting" for e in events[1:-1])
    assert events[-1].elapsed == pytest.approx(1.05, abs=0.5)


def test_background_job_hands_its_error_and_its_last_line_to_the_poller() -> None:
    release = threading.Event()

    def work(on_line):  # type: ignore[no-untyped-def]
        on_line("Container demo-postgres-1  Waiting")
        release.wait(5)
        raise EnvironmentProblem("docker compose could not start the stack")

    job = BackgroundJob(work).start()
    assert not job.finished.wait(0.05)
    assert job.last_line.endswith("Waiting")
    release.set()
    assert job.finished.wait(5)
    assert job.done
    with pytest.raises(EnvironmentProblem):
        job.raise_error()


# The API stage against a real (fake) Kestra over HTTP ------------------------------
def _api_probe(server, *, password: str, clock: Clock):  # type: ignore[no-untyped-def]
    from kestra_init.kestra.client import KestraClient
    from kestra_init.kestra.connection import Connection
    from kestra_init.stack.stages import StackWatch, _ApiProbe

    connection = Connection(server.url, username=server.username, password=password)
    client = KestraClient(connection, timeout=3.0, connect_timeout=1.0, retries=0)
    # No stack is needed: without a service name the probe only calls the API.
    watch = StackWatch(None, None, None, client, connection, clock=clock)  # type: ignore[arg-type]
    return _ApiProbe(watch, None), client


def test_a_401_from_a_kestra_on_its_setup_page_fails_at_the_first_probe(
    fake_kestra_factory,
) -> None:  # type: ignore[no-untyped-def]
    # Started with credentials that break Kestra's rules: /configs says
    # isBasicAuthInitialized false, so waiting cannot help.
    server = fake_kestra_factory(username="admin@example.com", password="weak")
    clock = Clock()
    probe, client = _api_probe(server, password="Kitest1234pass", clock=clock)
    with client, pytest.raises(KestraAuthError) as caught:
        probe()
    assert "setup page" in caught.value.what
    assert "KESTRA_ADMIN_PASSWORD" in caught.value.fix
    assert clock.now == 100.0  # no grace period was spent


def test_a_401_from_a_kestra_with_other_credentials_fails_at_once_without_the_setup_hint(
    fake_kestra_factory,
) -> None:  # type: ignore[no-untyped-def]
    server = fake_kestra_factory()
    probe, client = _api_probe(server, password="Other1234pass", clock=Clock())
    with client, pytest.raises(KestraAuthError) as caught:
        probe()
    assert "setup page" not in caught.value.what


def test_a_401_gets_a_short_grace_only_when_configs_cannot_tell(fake_kestra_factory) -> None:  # type: ignore[no-untyped-def]
    server = fake_kestra_factory()
    server.fail("/api/v1/configs", 401, times=None)  # as Kestra 2.0 answers it
    clock = Clock()
    probe, client = _api_probe(server, password="Other1234pass", clock=clock)
    with client:
        assert probe().ready is False
        clock.sleep(AUTH_GRACE / 2)
        assert probe().ready is False
        clock.sleep(AUTH_GRACE)
        with pytest.raises(KestraAuthError):
            probe()
