"""The .env reader/writer: Compose's subset, mode 0600, values that survive a round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.project.envfile import parse_env, read_env, write_env
from tests.helpers import assert_owner_only


def test_parse_reads_comments_quotes_and_export() -> None:
    text = (
        "# a comment\n"
        "\n"
        "PLAIN=abc\n"
        "export EXPORTED=1\n"
        "SINGLE='has # hash and $dollar'\n"
        'DOUBLE="say \\"hi\\""\n'
        "INLINE=value # a trailing comment\n"
        "not a variable line\n"
        "PLAIN=later wins\n"
    )
    assert parse_env(text) == {
        "PLAIN": "later wins",
        "EXPORTED": "1",
        "SINGLE": "has # hash and $dollar",
        "DOUBLE": 'say "hi"',
        "INLINE": "value",
    }


@pytest.mark.parametrize(
    "value",
    ["Abcdef12", "with space", "hash # inside", "dollar$sign", "quote'single", 'quote"double', ""],
)
def test_written_values_read_back_unchanged(tmp_path: Path, value: str) -> None:
    path = tmp_path / ".env"
    write_env(path, {"KEY": value, "OTHER": "x"}, header="made by a test")
    assert read_env(path) == {"KEY": value, "OTHER": "x"}
    assert path.read_text().startswith("# made by a test\n")


def test_written_file_is_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0o000)
    try:
        path = tmp_path / ".env"
        write_env(path, {"SECRET": "s3cretValue"})
    finally:
        os.umask(old)
    assert_owner_only(path)
    assert not (tmp_path / ".env.tmp").exists()


def test_missing_file_reads_as_empty(tmp_path: Path) -> None:
    assert read_env(tmp_path / "absent.env") == {}


def test_an_env_that_is_not_utf8_is_a_usage_error_with_the_fix(tmp_path: Path) -> None:
    from kestra_init.errors import UsageError

    path = tmp_path / ".env"
    path.write_bytes(b"KESTRA_PORT=8080\nKESTRA_ADMIN_PASSWORD=caf\xe9\n")
    with pytest.raises(UsageError) as raised:
        read_env(path)
    assert "not UTF-8" in raised.value.what
    assert "0xe9" in raised.value.why and "UTF-8" in raised.value.fix


def test_an_env_that_cannot_be_read_is_an_environment_problem(tmp_path: Path) -> None:
    from kestra_init.errors import EnvironmentProblem

    (tmp_path / ".env").mkdir()  # what a bind mount of a missing file leaves behind
    with pytest.raises(EnvironmentProblem) as raised:
        read_env(tmp_path / ".env")
    assert "cannot be read" in raised.value.what


def test_commands_report_a_broken_env_instead_of_crashing(cli, tmp_path: Path) -> None:
    from kestra_init.exit_codes import ExitCode
    from tests.helpers import assert_no_traceback

    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "flows").mkdir()
    (tmp_path / ".env").write_bytes(b"\xff\xfeK\x00E\x00Y\x00=\x001\x00\n\x00")  # UTF-16
    for args in (("open", "--no-browser"), ("sync", "--dry-run"), ("run", "hello_world")):
        result = cli(*args, cwd=tmp_path)
        assert result.returncode == ExitCode.USAGE, (args, result.stderr)
        assert_no_traceback(result)
        assert "is not UTF-8 text" in result.stderr and "bug" not in result.stderr
