"""Answers given on the command line (``--data KEY=VALUE``), read and typed.

The rules for what an answer may be live in the template's validators
(copier.yml); Copier applies them. Here we only do what Copier cannot say
clearly: refuse an unknown question name (a typo would otherwise be ignored),
and turn text into the question's type, so `--data kestra_port=abc` names the
question instead of ending in Python's "invalid literal for int()".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kestra_init.errors import UsageError
from kestra_init.option_pairs import split_pair
from kestra_init.project import yaml_loader

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


@dataclass(frozen=True)
class Question:
    name: str
    type: str  # copier's type name: str, int, bool, float, yaml, json
    help: str
    choices: tuple[str, ...]  # the allowed values, empty when free
    multiselect: bool
    secret: bool


def load_questions(config_path: Path) -> dict[str, Question]:
    """The questions of a copier.yml, in order (computed ``when: false`` ones excluded)."""

    try:
        data = yaml.load(config_path.read_text(encoding="utf-8"), Loader=yaml_loader()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(data, dict):
        return {}
    # Copier also marks secrets in a top-level list (copier 9.x `_secret_questions`).
    listed = data.get("_secret_questions")
    listed_secret = {str(name) for name in listed} if isinstance(listed, list) else set()
    questions: dict[str, Question] = {}
    for name, spec in data.items():
        if name.startswith("_"):
            continue
        spec = spec if isinstance(spec, dict) else {"default": spec}
        if spec.get("when") is False:
            continue
        choices = spec.get("choices") or ()
        values = tuple(str(v) for v in (choices.values() if isinstance(choices, dict) else choices))
        default = spec.get("default")
        questions[name] = Question(
            name=name,
            type=str(spec.get("type") or _type_of(default)),
            help=str(spec.get("help") or ""),
            choices=values,
            multiselect=bool(spec.get("multiselect")),
            secret=bool(spec.get("secret")) or name in listed_secret,
        )
    return questions


def secret_names(questions: dict[str, Question]) -> frozenset[str]:
    """The questions whose answers are never shown."""
    return frozenset(name for name, question in questions.items() if question.secret)


def parse_data(pairs: Iterable[str], questions: dict[str, Question]) -> dict[str, Any]:
    """``KEY=VALUE`` strings to typed answers; UsageError on anything unclear.

    Without known questions (a template of the user's own), values pass through
    as text and Copier types them.
    """
    answers: dict[str, Any] = {}
    for pair in pairs:
        key, raw = split_pair(
            pair,
            option="--data",
            why="Each --data gives one answer, a question name and its value.",
            example="--data namespace=company.team",
        )
        if not questions:
            answers[key] = raw
            continue
        question = questions.get(key)
        if question is None:
            raise UsageError(
                f"--data {key}=...: the template has no question named {key!r}",
                _did_you_mean(key, questions),
                "use one of: " + ", ".join(questions),
            )
        answers[key] = _typed(question, raw)
    return answers


def _typed(question: Question, raw: str) -> Any:
    value = raw.strip()
    if question.multiselect:
        # `a,b` or a YAML list `[a, b]`; an empty value means none.
        inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
        return [item.strip().strip("'\"") for item in inner.split(",") if item.strip()]
    if question.type == "int":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise UsageError(
                f"--data {question.name}={raw}: {question.name} takes a whole number",
                question.help,
                f"pass for example --data {question.name}=8080",
            )
        return int(value)
    if question.type == "bool":
        lowered = value.lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise UsageError(
            f"--data {question.name}={raw}: {question.name} takes yes or no",
            question.help,
            f"pass --data {question.name}=true or --data {question.name}=false",
        )
    # Text answers are kept as given (a password may end in a space on purpose,
    # and then the validator explains why that is refused).
    return raw


def _type_of(default: object) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    return "str"


def _did_you_mean(key: str, questions: dict[str, Question]) -> str:
    close = difflib.get_close_matches(key, list(questions), n=1)
    return f"Did you mean {close[0]!r}?" if close else "Question names are case-sensitive."
