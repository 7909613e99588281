"""The .env reader/writer: Compose's subset, mode 0600, values that survive a round trip."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kestra_init.envfile import parse_env, read_env, write_env


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
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (tmp_path / ".env.tmp").exists()


def test_missing_file_reads_as_empty(tmp_path: Path) -> None:
    assert read_env(tmp_path / "absent.env") == {}
