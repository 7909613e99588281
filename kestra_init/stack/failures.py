"""One error for a start that went wrong: what, the classified reason, the fix, the log tail.

Whatever stopped `up` (a stage past its deadline, a container that exited,
Compose refusing) ends here: we read the failing service's state and its last
50 log lines, classify them into a hint (kestra_init.stack.hints), and build
the error the user sees. The category decides the exit code.
"""

from __future__ import annotations

from kestra_init.errors import DeadlineExceeded, EnvironmentProblem, KestraInitError
from kestra_init.stack.compose import Stack
from kestra_init.stack.hints import Hint, classify_failure
from kestra_init.stack.model import ContainerState, ServiceState

LOG_LINES = 50


class StackFailed(EnvironmentProblem):
    """A service of the stack could not start or stopped; ``hint`` says why when known."""

    hint: Hint | None = None


class StackNotReady(DeadlineExceeded):
    """A readiness stage passed its deadline; ``hint`` says why when known."""

    hint: Hint | None = None


def explain(
    stack: Stack,
    service: str,
    *,
    what: str,
    why: str,
    fix: str,
    category: type[StackFailed] | type[StackNotReady] = StackFailed,
    compose_output: str = "",
    hint: Hint | None = None,
    exit_code: int = 0,
) -> KestraInitError:
    """The error for ``service`` failing, with its hint (if any) and its last log lines."""
    state = stack.states().get(service)
    details = stack.details(state.container_id) if state and state.container_id else None
    logs = stack.log_tail(service, LOG_LINES) if state else []
    hint = hint or classify_failure(
        service=service,
        details=details,
        logs=logs,
        compose_output=compose_output,
        exit_code=exit_code or (state.exit_code if state else 0),
    )
    if hint is not None:
        why, fix = hint.why, hint.fix
    if logs:
        title = f"last {len(logs)} log lines of '{service}' (`kestra-init logs {service}` for more)"
    else:
        title = f"'{service}' wrote no log lines" if state else f"'{service}' has no container"
        logs = []
    error = category(what, why, fix, details=logs, details_title=title)
    error.hint = hint
    return error


def service_stopped(stack: Stack, state: ServiceState) -> KestraInitError:
    """A container of the stack exited while we waited for it."""
    if state.state is ContainerState.RESTARTING:
        code = f" (last exit code {state.exit_code})" if state.exit_code else ""
        what = f"The '{state.service}' container keeps restarting{code}"
    else:
        code = f" with exit code {state.exit_code}" if state.exit_code else ""
        what = f"The '{state.service}' container stopped{code}"
    return explain(
        stack,
        state.service,
        exit_code=state.exit_code,
        what=what,
        why="It exited while kestra-init was waiting for the stack to become ready.",
        fix=f"Read its log lines below (`kestra-init logs {state.service}`), fix the cause, "
        "then run `kestra-init up` again",
    )


def timed_out(stack: Stack, service: str, error: DeadlineExceeded) -> KestraInitError:
    """A readiness stage passed its deadline: add the service's logs and a hint."""
    return explain(
        stack,
        service,
        what=error.what,
        why=error.why,
        fix=error.fix,
        category=StackNotReady,
    )
