"""The repository's own dev container (for working on kestra-init) is valid."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers import REPO_ROOT


def test_the_development_container_passes_the_spec_schema(shared_dir: Path) -> None:
    import jsonschema

    schema = json.loads(
        (shared_dir / "reference/schemas/devContainer.base.schema.json").read_text()
    )
    text = (REPO_ROOT / ".devcontainer" / "devcontainer.json").read_text()
    document = json.loads(re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*', lambda m: m.group(1) or "", text))
    errors = [e.message for e in jsonschema.Draft201909Validator(schema).iter_errors(document)]
    assert errors == []
    assert "ghcr.io/devcontainers/features/docker-in-docker:2" in document["features"]
    assert "-e '.[test]'" in document["postCreateCommand"]
