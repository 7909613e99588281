"""The target version, the project's settings and ignore comments, as a user meets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.flows.lint import lint_text, validate_paths
from kestra_init.flows.lint_context import LintContext, context_for_project, pinned_target
from kestra_init.flows.target import Target, TargetError, parse_target
from tests.helpers import GOOD_FLOW, assert_no_traceback, json_data

# Refused since Kestra 1.1 (InputValidator), accepted by 1.0.
CONFLICT = GOOD_FLOW.replace(
    "tasks:",
    "inputs:\n  - id: name\n    type: STRING\n    defaults: x\n    required: false\ntasks:",
)
# Reported only with a 2.x target (the migration guide's pluginDefaults).
DEFAULTS = (
    GOOD_FLOW.replace("id: hello", "id: with_defaults", 1)
    + "pluginDefaults:\n  - type: io.kestra.plugin.core.log.Log\n    values: {}\n"
)


def project(root: Path, answers: str = "", flows: dict[str, str] | None = None) -> Path:
    (root / "flows").mkdir(parents=True)
    (root / ".copier-answers.yml").write_text("project_slug: shop\n" + answers)
    (root / "docker-compose.yml").write_text("services:\n  kestra: {}\n")
    for name, text in (flows or {}).items():
        (root / "flows" / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.3", Target(1, 3)),
        ("v1.1", Target(1, 1)),
        ("1.3.19", Target(1, 3)),
        ("2", Target(2, 0)),
        ("1.3-ee", Target(1, 3, True)),
        ("V2.0 enterprise", Target(2, 0, True)),
    ],
)
def test_targets(text: str, expected: Target) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["latest", "0.23", "3.0", "one"])
def test_targets_that_are_refused(text: str) -> None:
    with pytest.raises(TargetError):
        parse_target(text)


def test_the_pinned_line_is_the_default_target(tmp_path: Path) -> None:
    pinned = project(tmp_path / "a", "kestra_version: v1.0\n", {"f.yml": CONFLICT})
    assert pinned_target(pinned) == Target(1, 0)
    assert validate_paths([pinned / "flows"]).diagnostics == []
    # Without an answer, the compose file's image tag; without either, the newest 1.x.
    by_image = project(tmp_path / "b")
    (by_image / "docker-compose.yml").write_text(
        "services:\n  kestra:\n    image: kestra/kestra:v1.1.4\n"
    )
    assert context_for_project(by_image).target == Target(1, 1)
    assert context_for_project(project(tmp_path / "c")).target == Target(1, 3)


def test_cli_target_beats_settings_beats_pin(cli, tmp_path: Path) -> None:
    root = project(tmp_path, "kestra_version: v1.0\n", {"f.yml": CONFLICT, "g.yml": DEFAULTS})
    data = json_data(cli("validate", "--format", "json", cwd=root).stdout, "validate")
    assert (data["target"], data["summary"]["errors"]) == ("1.0", 0)
    (root / "kestra-init.toml").write_text('[validate]\ntarget = "1.3"\n')
    data = json_data(cli("validate", "--format", "json", cwd=root).stdout, "validate")
    assert (data["target"], data["summary"]["errors"]) == ("1.3", 1)
    result = cli("validate", "--format", "json", "--target", "2.0", cwd=root)
    data = json_data(result.stdout, "validate")
    assert data["target"] == "2.0"
    assert {d["rule"] for d in data["diagnostics"]} == {
        "input-defaults-conflict",
        "removed-in-kestra-2",
    }


def test_a_bad_target_is_a_usage_error(cli, tmp_path: Path) -> None:
    (tmp_path / "f.yml").write_text(GOOD_FLOW)
    result = cli("validate", "--target", "latest", str(tmp_path))
    assert_no_traceback(result)
    assert result.returncode == 2
    assert "`latest` is not a Kestra version" in result.stderr


def test_ignored_rules_in_the_project_settings(cli, tmp_path: Path) -> None:
    root = project(tmp_path, flows={"f.yml": CONFLICT})
    assert cli("validate", cwd=root).returncode == 1
    (root / "kestra-init.toml").write_text('[validate]\nignore = ["input-defaults-conflict"]\n')
    result = cli("validate", cwd=root)
    assert result.returncode == 0, result.stdout
    assert "1 finding ignored by comments or settings" in result.stdout


def test_settings_in_pyproject(cli, tmp_path: Path) -> None:
    root = project(tmp_path, flows={"f.yml": CONFLICT})
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.kestra-init.validate]\ntarget = "1.0"\n'
    )
    assert cli("validate", cwd=root).returncode == 0
    # kestra-init.toml, written for kestra-init alone, wins over pyproject.toml.
    (root / "kestra-init.toml").write_text("[validate]\n")
    assert cli("validate", cwd=root).returncode == 1


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ("[validate\n", "is not valid TOML"),
        ('[validate]\nignore = ["plaintext-secret"]\n', "Did you mean `plaintext-credential`?"),
        ('[validate]\nignore = ["yaml-syntax"]\n', "cannot be ignored"),
        ('[validate]\nignore = "file-empty"\n', "must be a list of rule ids"),
        ('[validate]\ntarget = "9.9"\n', "newer than kestra-init knows"),
        ("[validate]\nstrict = true\n", "the settings are `target` and `ignore`"),
    ],
)
def test_settings_that_cannot_be_used(cli, tmp_path: Path, settings: str, words: str) -> None:
    root = project(tmp_path, flows={"f.yml": GOOD_FLOW})
    (root / "kestra-init.toml").write_text(settings)
    result = cli("validate", cwd=root)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert words in " ".join(result.stderr.split()), result.stderr


# Ignore comments --------------------------------------------------------------------
UNKNOWN = GOOD_FLOW.replace("message: Hello", 'message: "{{ outputs.later.value }}"')


def rules_of(text: str, context: LintContext | None = None) -> list[str]:
    return [d.rule for d in lint_text(Path("f.yml"), text, context).diagnostics]


def test_an_ignore_comment_on_the_line() -> None:
    assert rules_of(UNKNOWN) == ["expression-unknown-task"]
    line = UNKNOWN.replace('}}"', '}}"  # kestra-init: ignore[expression-unknown-task]')
    report = lint_text(Path("f.yml"), line)
    assert (report.diagnostics, report.suppressed) == ([], 1)
    # A comment naming another rule silences nothing.
    other = UNKNOWN.replace('}}"', '}}"  # kestra-init: ignore[plaintext-credential]')
    assert rules_of(other) == ["expression-unknown-task"]


def test_an_ignore_comment_on_its_own_line_covers_the_next_line() -> None:
    above = UNKNOWN.replace(
        "    message:", "    # kestra-init: ignore[expression-unknown-task]\n    message:"
    )
    assert rules_of(above) == []
    too_far = UNKNOWN.replace(
        "  - id: say_hello", "# kestra-init: ignore[expression-unknown-task]\n  - id: say_hello"
    )
    assert rules_of(too_far) == ["expression-unknown-task"]


def test_an_ignore_file_comment_and_its_limits() -> None:
    whole = "# kestra-init: ignore-file[expression-unknown-task, file-empty]\n" + UNKNOWN
    assert rules_of(whole) == []
    assert rules_of("# kestra-init: ignore-file[file-empty]\n") == []
    # What could not be read cannot be ignored: its flows are unknown.
    broken = "# kestra-init: ignore-file[yaml-syntax]\nid: x\nnamespace: a\ntasks: [\n"
    assert rules_of(broken) == ["yaml-syntax"]


def test_a_comment_naming_no_rule_is_reported() -> None:
    typo = UNKNOWN.replace('}}"', '}}"  # kestra-init: ignore[expresion-unknown-task]')
    found = lint_text(Path("f.yml"), typo).diagnostics
    assert [d.rule for d in found] == ["expression-unknown-task", "ignore-comment-unknown-rule"]
    assert "Did you mean `expression-unknown-task`?" in found[1].message


def test_a_flow_defined_in_two_files_can_be_ignored_in_one(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(GOOD_FLOW)
    (tmp_path / "b.yml").write_text(GOOD_FLOW)
    assert [d.rule for d in validate_paths([tmp_path]).diagnostics] == ["flow-duplicate"]
    (tmp_path / "b.yml").write_text("# kestra-init: ignore-file[flow-duplicate]\n" + GOOD_FLOW)
    result = validate_paths([tmp_path])
    assert (result.diagnostics, result.suppressed) == ([], 1)
