"""Write docs/rules.md from the rule definitions, so the table cannot drift.

    python -m kestra_init.flows.rules_doc docs/rules.md

A test compares the file with this output and fails (naming this command)
when a rule changed and the page was not regenerated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kestra_init.flows.core_types import CORE_TYPES, LEGACY_ALIASES, REQUIRED_PROPERTIES
from kestra_init.flows.registry import FAMILIES, RULES, Rule

COMMAND = "python -m kestra_init.flows.rules_doc docs/rules.md"

_FAMILY_TITLES = {
    "files": "Files and YAML",
    "structure": "Flow structure",
    "tasks": "Tasks and triggers",
    "inputs": "Inputs",
    "expressions": "Expressions",
    "triggers": "Triggers",
    "concurrency": "Concurrency",
    "networking": "Networking (task containers)",
    "security": "Security",
    "compatibility": "Upgrading to Kestra 2.0 (with a 2.x target)",
}


def render() -> str:
    lines = [
        "# Flow rules",
        "",
        f"<!-- Generated from kestra_init/flows/rules/ by `{COMMAND}`; do not edit. -->",
        "",
        "Every finding of `kestra-init validate` names one of these rules. Errors make the",
        "command exit with 1; warnings do too with `--strict`; info lines never do.",
        "",
        "Rules hold for every Kestra version unless they say otherwise: `validate` checks for",
        "one version line (`--target`, by default the line the project pins, else the newest",
        "1.x). A finding can be switched off with a `# kestra-init: ignore[rule-id]` comment",
        "on its line (or alone on the line before), `# kestra-init: ignore-file[rule-id]` for",
        "a file, or `ignore` in the project's settings (see validate.md); the rules that say",
        "a file could not be read cannot be.",
        "",
        "| rule | severity | what it catches |",
        "|---|---|---|",
    ]
    ordered = _ordered()
    for rule in ordered:
        summary = rule.summary.replace("|", "\\|")
        lines.append(f"| [`{rule.id}`](#{rule.id}) | {rule.severity.value} | {summary} |")
    for family in FAMILIES:
        members = [rule for rule in ordered if rule.family == family]
        if not members:
            continue
        lines += ["", f"## {_FAMILY_TITLES[family]}"]
        for rule in members:
            lines += ["", f"### {rule.id}", "", f"**{rule.severity.value}**: {rule.summary}"]
            if rule.applies:
                lines += ["", f"Checked for: {rule.applies}."]
            if rule.file_level:
                lines += ["", "This is about the file itself, so there is no flow to show."]
                continue
            with_target = f" (with `--target {rule.example_target}`)" if rule.example_target else ""
            lines += ["", f"Reported{with_target}:", "", "```yaml", rule.bad.rstrip("\n"), "```"]
            lines += ["", "Fixed:", "", "```yaml", rule.good.rstrip("\n"), "```"]
            lines += _extra(rule)
    return "\n".join(lines) + "\n"


def _extra(rule: Rule) -> list[str]:
    """Tables that belong to one rule: the data it checks against."""

    if rule.id == "task-property-missing":
        rows = ["", "The properties checked:", "", "| type | needs |", "|---|---|"]
        for type_name, required in sorted(REQUIRED_PROPERTIES.items()):
            needs = (
                ", ".join(
                    item.describe() + (" (not empty)" if item.non_empty else "")
                    for item in required
                )
                or "nothing"
            )
            rows.append(f"| `{type_name}` | {needs} |")
        return rows
    if rule.id == "core-type-unknown":
        return [
            "",
            f"kestra-init knows {len(CORE_TYPES)} core types (`kestra_init/flows/core_types.py`, "
            "built from Kestra's source and documentation).",
        ]
    if rule.id == "type-legacy-alias":
        rows = ["", "The old names and their replacements:", "", "| old | new |", "|---|---|"]
        rows += [f"| `{old}` | `{new}` |" for old, new in sorted(LEGACY_ALIASES.items())]
        return rows
    return []


def _ordered() -> list[Rule]:
    # By family, then by id: a family's rules live in several modules, and the order
    # they register in depends on which was imported first.
    rank = {family: index for index, family in enumerate(FAMILIES)}
    return sorted(RULES.values(), key=lambda rule: (rank[rule.family], rule.id))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kestra_init.flows.rules_doc",
        description="Write the rules table (docs/rules.md) from the rule definitions.",
    )
    parser.add_argument(
        "output",
        nargs="?",
        type=Path,
        help="the file to write, e.g. docs/rules.md (default: standard output)",
    )
    args = parser.parse_args(argv)
    text = render()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
