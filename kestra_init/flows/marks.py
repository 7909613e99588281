"""Where something is in a flow file.

A module of its own so that reading files and reporting what is wrong with
them (``flows.reading``, ``flows.file_report``) need not import the YAML
composer (``flows.yaml_nodes``, PyYAML: 20 ms) that a sync with nothing to
send never uses.
"""

from __future__ import annotations

from typing import NamedTuple


class Mark(NamedTuple):
    """A place in a file: 1-based line and column, and the scalar style when known."""

    line: int
    column: int
    style: str | None = None  # None (plain), "'", '"', "|" or ">"
