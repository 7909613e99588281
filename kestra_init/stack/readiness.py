"""Staged readiness: wait for one thing after another, each within its own deadline.

A container that runs is not a Kestra that answers (its JVM takes 20 to 90 s),
so `up` waits in stages: the database healthy, the containers running, Kestra's
/health UP, an authenticated API call answering. Each stage polls a probe at
most every ``interval`` seconds (0.5 s), reports progress through a callback,
and has a deadline inside the overall ``--timeout``. A probe raises one of our
errors when waiting longer cannot help (a container that exited), so a broken
start ends at once instead of at the deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from kestra_init.errors import DeadlineExceeded, KestraInitError

POLL_INTERVAL = 0.5


class StageStatus(str, Enum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class Probe:
    """One look: ready or not, and what was seen (shown next to the stage)."""

    ready: bool
    detail: str = ""


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    probe: Callable[[], Probe]
    # Seconds this stage may take from its start; None: until the overall deadline.
    budget: float | None = None
    # What the stage waits for, in words for the timeout message.
    waiting_for: str = ""


@dataclass(frozen=True)
class StageEvent:
    """Progress: a stage started, was probed, ended."""

    key: str
    title: str
    status: StageStatus
    detail: str
    elapsed: float  # seconds since this stage started


@dataclass(frozen=True)
class StageResult:
    key: str
    title: str
    seconds: float
    detail: str


class StageTimeout(DeadlineExceeded):
    """A stage did not get ready before its deadline; the caller adds logs and a hint."""

    def __init__(self, stage: Stage, waited: float, last_detail: str) -> None:
        what = f"{stage.title}: not ready after {waited:.0f} s"
        super().__init__(
            what,
            f"Still waiting for {stage.waiting_for or stage.title.lower()}"
            + (f" (last seen: {last_detail})" if last_detail else "")
            + ".",
            "Read the log lines below; run `kestra-init up --timeout 600` on a slow machine",
        )
        self.stage = stage
        self.waited = waited
        self.last_detail = last_detail


ProgressCallback = Callable[[StageEvent], None]


def run_stages(
    stages: Sequence[Stage],
    *,
    timeout: float,
    progress: ProgressCallback | None = None,
    interval: float = POLL_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[StageResult]:
    """Run the stages in order; raise StageTimeout or the probe's own error on failure."""
    report = progress or (lambda event: None)
    overall_deadline = clock() + timeout
    results: list[StageResult] = []
    for stage in stages:
        started = clock()
        deadline = overall_deadline
        if stage.budget is not None:
            deadline = min(deadline, started + stage.budget)
        report(StageEvent(stage.key, stage.title, StageStatus.RUNNING, "", 0.0))
        detail = ""
        while True:
            polled = clock()
            try:
                seen = stage.probe()
            except KestraInitError as error:
                report(
                    StageEvent(
                        stage.key, stage.title, StageStatus.FAILED, error.what, clock() - started
                    )
                )
                raise
            detail = seen.detail or detail
            elapsed = clock() - started
            if seen.ready:
                report(StageEvent(stage.key, stage.title, StageStatus.DONE, detail, elapsed))
                results.append(StageResult(stage.key, stage.title, elapsed, detail))
                break
            now = clock()
            if now >= deadline:
                report(StageEvent(stage.key, stage.title, StageStatus.FAILED, detail, elapsed))
                raise StageTimeout(stage, now - started, detail)
            report(StageEvent(stage.key, stage.title, StageStatus.RUNNING, detail, elapsed))
            sleep(max(0.0, min(interval - (now - polled), deadline - now)))
    return results


class BackgroundJob:
    """Run one blocking call (here: `docker compose up -d`) while the stages poll.

    `compose up -d` itself waits for `depends_on: service_healthy`, so it runs in a
    thread and the database stage watches the containers meanwhile. Its error,
    if any, is re-raised by the probe that looks at it.
    """

    def __init__(self, target: Callable[[Callable[[str], None]], None]) -> None:
        self._target = target
        self._thread = threading.Thread(target=self._run, name="kestra-init-compose", daemon=True)
        self._lock = threading.Lock()
        self.error: BaseException | None = None
        self.last_line = ""
        # Set when the job ends, so a stage waiting for it wakes at once, not at its next poll.
        self.finished = threading.Event()

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def _line(self, text: str) -> None:
        with self._lock:
            self.last_line = text

    def _run(self) -> None:
        try:
            self._target(self._line)
        except BaseException as error:  # handed to the polling thread, never lost
            self.error = error
        finally:
            self.finished.set()
