"""docs/rules.md is generated from the rule definitions and must be up to date."""

from __future__ import annotations

from pathlib import Path

from kestra_init.flows.registry import RULES
from kestra_init.flows.rules_doc import COMMAND, render

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_rules_doc_is_current() -> None:
    assert DOC.is_file(), f"docs/rules.md is missing: run `{COMMAND}`"
    assert DOC.read_text(encoding="utf-8") == render(), (
        f"docs/rules.md is stale (a rule changed): run `{COMMAND}` and commit the result"
    )


def test_every_rule_is_in_the_table() -> None:
    text = render()
    for rule_id in RULES:
        assert f"| [`{rule_id}`](#{rule_id}) |" in text
        assert f"\n### {rule_id}\n" in text


def test_the_generator_parses_its_arguments(tmp_path: Path) -> None:
    # `--help` prints help; it once wrote the rules into a file named --help.
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "kestra_init.flows.rules_doc", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "usage:" in result.stdout
    assert list(tmp_path.iterdir()) == []
    written = tmp_path / "rules.md"
    subprocess.run([sys.executable, "-m", "kestra_init.flows.rules_doc", str(written)], check=True)
    assert written.read_text(encoding="utf-8") == render()
