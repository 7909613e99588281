"""The exit codes of every kestra-init command, in one table.

The README's exit-code table is checked against ``MEANING`` by the tests, so
the two cannot drift apart.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    ENVIRONMENT = 3
    KESTRA = 4
    TIMEOUT = 5
    RUN_WARNING = 6
    RUN_KILLED = 7
    RUN_CANCELLED = 8
    INTERNAL = 70
    INTERRUPTED = 130
    OUTPUT_CLOSED = 141  # 128 + SIGPIPE, what a shell reports for `yes | head -1`


MEANING: dict[ExitCode, str] = {
    ExitCode.OK: "everything asked for was done",
    ExitCode.FINDINGS: (
        "the work ran and something failed: validation errors (files with errors are held "
        "back), a failed doctor check, flows the server rejected, a run that ended FAILED"
    ),
    ExitCode.USAGE: (
        "bad input: an unknown option, an answer that breaks a rule, a folder that is "
        "not empty, a command run outside a project"
    ),
    ExitCode.ENVIRONMENT: (
        "the machine cannot do it: Docker or Compose missing or unreachable, a taken port, "
        "an image that cannot be pulled, a container that stopped, a path that cannot be written"
    ),
    ExitCode.KESTRA: (
        "Kestra is unreachable, refused the credentials, or answered with a server error"
    ),
    ExitCode.TIMEOUT: (
        "a deadline passed: Kestra did not become ready, or a run did not end within --timeout"
    ),
    ExitCode.RUN_WARNING: "`run`: the execution ended in WARNING",
    ExitCode.RUN_KILLED: "`run`: the execution was KILLED",
    ExitCode.RUN_CANCELLED: "`run`: the execution was CANCELLED",
    ExitCode.INTERNAL: (
        "a bug in kestra-init: the traceback is written to a file whose path is printed"
    ),
    ExitCode.INTERRUPTED: (
        "interrupted (Ctrl-C, or SIGTERM/SIGHUP while `logs -f` follows); what was done so "
        "far is listed"
    ),
    ExitCode.OUTPUT_CLOSED: (
        "the output was closed early (piped into a command such as `head` that stopped "
        "reading); nothing more was printed"
    ),
}
