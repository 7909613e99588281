"""What `up` shows while it works, when stderr is a log file rather than a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from kestra_init.check_result import CheckResult, Status
from kestra_init.output.up_progress import UpProgress
from kestra_init.stack.events import PullLine, StepLine
from kestra_init.stack.readiness import StageEvent, StageStatus


def run_events(events: list[object]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=120)
    with UpProgress(console) as progress:
        for event in events:
            progress(event)
    return buffer.getvalue()


def test_a_log_shows_each_step_once_with_its_result_and_time() -> None:
    text = run_events(
        [
            CheckResult("ports", "Ports free", Status.PASSED, "8080, 8081"),
            CheckResult(
                "memory",
                "Memory for the stack",
                Status.WARNING,
                "Docker has 2.0 GB",
                "Give Docker more memory",
            ),
            StepLine(".env created from .env.example with fresh secrets"),
            StageEvent("health", "Kestra /health UP", StageStatus.RUNNING, "", 0.0),
            StageEvent("health", "Kestra /health UP", StageStatus.RUNNING, "no answer yet", 0.5),
            StageEvent("health", "Kestra /health UP", StageStatus.RUNNING, "no answer yet", 1.0),
            StageEvent("health", "Kestra /health UP", StageStatus.DONE, "UP", 41.8),
        ]
    )
    lines = text.splitlines()
    assert "✓ Ports free: 8080, 8081" in lines
    assert any(
        line.startswith("! Memory for the stack: Docker has 2.0 GB (Give Docker") for line in lines
    )
    assert "✓ .env created from .env.example with fresh secrets" in lines
    # The start of a long wait is logged once, not once per poll, then its end.
    assert text.count("Kestra /health UP") == 2
    assert "… Kestra /health UP" in lines
    assert "✓ Kestra /health UP: UP (41.8 s)" in lines


def test_image_pulls_log_their_milestones_not_every_layer() -> None:
    text = run_events(
        [
            PullLine("kestra Pulling"),
            PullLine("a1b2c3 Pulling fs layer"),
            PullLine("a1b2c3 Downloading [=====>     ] 120MB/400MB"),
            PullLine("kestra Pulled"),
        ]
    )
    assert "Pulling images" in text
    assert "kestra Pulling" in text and "kestra Pulled" in text
    assert "fs layer" not in text and "Downloading" not in text


def test_a_failed_stage_is_marked_with_what_was_last_seen() -> None:
    text = run_events(
        [
            StageEvent("database", "Database healthy", StageStatus.RUNNING, "", 0.0),
            StageEvent(
                "database", "Database healthy", StageStatus.FAILED, "postgres: unhealthy", 150.0
            ),
        ]
    )
    assert "✗ Database healthy: postgres: unhealthy (150.0 s)" in text
