"""The entry point's promise: errors become a paragraph and an exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kestra_init import __version__
from kestra_init.exit_codes import ExitCode
from tests.helpers import assert_no_traceback


def test_version_and_help(cli) -> None:
    version = cli("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"kestra-init {__version__}"
    helped = cli("--help")
    assert helped.returncode == 0
    assert "kestra-init new" in helped.stdout


def test_unknown_option_is_a_usage_error(cli) -> None:
    result = cli("--no-such-option")
    assert result.returncode == ExitCode.USAGE
    assert "No such option" in result.stderr
    assert_no_traceback(result)


def run_main_with(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run kestra_init.cli.main() with one extra command that does ``code``."""
    script = (
        "import typer\n"
        "from kestra_init import cli, errors\n"
        "@cli.app.command()\n"
        "def boom() -> None:\n"
        f"    {code}\n"
        "cli.main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, "boom"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={"NO_COLOR": "1", "COLUMNS": "200", "PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)},
    )


def test_a_domain_error_prints_what_why_fix(tmp_path: Path) -> None:
    result = run_main_with(
        "raise errors.EnvironmentProblem('Port 8080 is taken', "
        "'Another program listens on it.', 'Stop it or change KESTRA_PORT in .env')",
        tmp_path,
    )
    assert result.returncode == ExitCode.ENVIRONMENT
    assert "Error: Port 8080 is taken. Another program listens on it. To fix: Stop it" in (
        " ".join(result.stderr.split())
    )
    assert_no_traceback(result)


def test_a_bug_is_reported_with_a_file_not_a_traceback(tmp_path: Path) -> None:
    result = run_main_with("raise RuntimeError('internal detail')", tmp_path)
    assert result.returncode == ExitCode.INTERNAL
    assert_no_traceback(result)
    assert "This is a bug in kestra-init" in result.stderr
    crash_files = list(tmp_path.glob("kestra-init-crash-*.log"))
    assert len(crash_files) == 1
    assert "RuntimeError: internal detail" in crash_files[0].read_text()


def test_a_crash_file_never_holds_a_secret_from_the_command_line(tmp_path: Path) -> None:
    script = (
        "from kestra_init import cli\n"
        "@cli.app.command(context_settings={'allow_extra_args': True, "
        "'ignore_unknown_options': True})\n"
        "def boom() -> None:\n"
        "    raise RuntimeError('internal detail')\n"
        "cli.main()\n"
    )
    secrets = ["Sekr1tPassw0rd", "tok-123456", "Answer1234x", "urlpass"]
    args = [
        "boom",
        "--password",
        secrets[0],
        f"--api-token={secrets[1]}",
        "--data",
        f"admin_password={secrets[2]}",
        "--data",
        "namespace=company.team",
        "--server",
        f"https://ci@example.com:{secrets[3]}@kestra.example.com",
    ]
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={"NO_COLOR": "1", "COLUMNS": "200", "PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)},
    )
    assert result.returncode == ExitCode.INTERNAL
    (crash_file,) = tmp_path.glob("kestra-init-crash-*.log")
    text = crash_file.read_text()
    assert "RuntimeError: internal detail" in text
    for secret in secrets:
        assert secret not in text + result.stderr
    # What is not secret stays, so the report is still useful.
    assert "--password *** --api-token=*** --data admin_password=***" in text
    assert "namespace=company.team" in text and "kestra.example.com" in text


def test_a_long_url_in_an_error_is_never_cut_at_80_columns(tmp_path: Path) -> None:
    url = "http://localhost:8080/ui/main/executions/company.team/hello_world/" + "x" * 22
    script = (
        "from kestra_init import cli, errors\n"
        "@cli.app.command()\n"
        "def boom() -> None:\n"
        "    raise errors.DeadlineExceeded('The execution did not end within 5 s', "
        "'It goes on on the server.', "
        f"'Follow it at {url}, or run again with a longer --timeout')\n"
        "cli.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "boom"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={"NO_COLOR": "1", "COLUMNS": "80", "PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)},
    )
    assert result.returncode == ExitCode.TIMEOUT
    lines = result.stderr.splitlines()
    assert any(url in line for line in lines), result.stderr  # whole, on one line
    # The words around it are still wrapped to the terminal's width.
    assert all(len(line.rstrip()) <= 80 for line in lines if url not in line)
    assert len(lines) > 1


def _with_closed_stdout(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run kestra-init with its stdout a pipe nobody reads any more (`| head -1` done)."""
    import os

    reader, writer = os.pipe()
    os.close(reader)  # closed before the command writes: every write fails, deterministically
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "kestra_init", *args],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **env},
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    return finished.returncode, finished.stderr


def test_output_piped_into_a_command_that_stops_reading_ends_quietly(
    tmp_path: Path, template_cache_env: dict[str, str]
) -> None:
    code, stderr = _with_closed_stdout(["new", "proj", "--defaults"], tmp_path, template_cache_env)
    assert code == ExitCode.OUTPUT_CLOSED
    assert stderr == ""  # no message, no "Exception ignored", no traceback
    assert (tmp_path / "proj" / "docker-compose.yml").is_file()  # the work was done

    (tmp_path / "flow.yml").write_text("id: a\nnamespace: b\ntasks: []\n")
    code, stderr = _with_closed_stdout(["validate", "--format", "json", "flow.yml"], tmp_path, {})
    assert code == ExitCode.OUTPUT_CLOSED
    assert stderr == ""


def test_each_command_runs_with_its_own_options_only_and_the_same_ones() -> None:
    # cli/entry.app_for: a run builds only the command it names (Typer converts
    # every signature otherwise); what that command accepts must not change.
    import typer.main

    from kestra_init.cli.entry import app_for
    from kestra_init.cli.root import app

    full = typer.main.get_command(app)
    names = sorted(full.commands)  # type: ignore[attr-defined]
    assert len(names) >= 14
    for name in names:
        trimmed = typer.main.get_command(app_for([name, "--json"]))
        assert list(trimmed.commands) == [name]  # type: ignore[attr-defined]
        mine = trimmed.commands[name]  # type: ignore[attr-defined]
        theirs = full.commands[name]  # type: ignore[attr-defined]
        assert [(p.name, p.opts, p.required) for p in mine.params] == [
            (p.name, p.opts, p.required) for p in theirs.params
        ]
        assert mine.help == theirs.help
    # No command named, or one nobody has: every command is there (for --help,
    # and for Typer's "No such command ... Did you mean").
    assert app_for(["--help"]) is app and app_for(["synk"]) is app and app_for([]) is app
    assert len(app.registered_commands) == len(names)  # the app itself keeps them all


def test_a_misspelt_command_still_gets_a_suggestion(cli) -> None:
    result = cli("synk")
    assert result.returncode == ExitCode.USAGE
    assert "Did you mean 'sync'" in result.stderr
