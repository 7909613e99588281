"""Every table the fake Kestra restates from the tool is the tool's: a drift fails here.

The fake must not import kestra_init (it stands for the server and runs in a
bare container), so it keeps its own copies; these tests pin each copy to the
tool's table, or, for rules written as code, compare the two on the same cases.
"""

from __future__ import annotations

import pytest

from kestra_init.flows.core_types import CORE_TYPES
from kestra_init.flows.rules import structure, tasks
from kestra_init.flows.source_text import comparable, trim
from kestra_init.kestra.connection import TENANT
from kestra_init.kestra.models import LOG_LEVELS, TERMINAL_STATES
from kestra_init.project.credentials import EMAIL_RE, password_problem, username_problem
from tests.fake_kestra import configuration, flow_text, tables


def test_flow_keys_are_the_tools() -> None:
    assert tables.TOP_LEVEL_KEYS == structure.FLOW_KEYS


def test_id_patterns_are_the_tools() -> None:
    assert tables.FLOW_ID_RE.pattern.strip("^$") == structure.FLOW_ID_RE.pattern
    assert tables.NAMESPACE_RE.pattern.strip("^$") == structure.NAMESPACE_RE.pattern
    assert tables.TASK_ID_RE.pattern.strip("^$") == tasks.TASK_ID_RE.pattern


def test_reserved_ids_are_the_tools() -> None:
    assert tables.RESERVED_IDS == structure.RESERVED_FLOW_IDS


def test_the_fakes_core_types_are_core_types_the_tool_knows() -> None:
    # The fake knows a subset (the types its tests use); none may be unknown to the tool.
    assert tables.KNOWN_CORE_TYPES <= CORE_TYPES


def test_states_levels_and_tenant_are_the_tools() -> None:
    assert {state.value for state in TERMINAL_STATES} == tables.TERMINAL_STATES
    assert tables.LOG_LEVELS == LOG_LEVELS
    assert tables.TENANT == TENANT


def test_email_pattern_is_the_tools() -> None:
    assert tables.EMAIL_RE.pattern == EMAIL_RE.pattern


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("admin@example.com", "Admin1234"),
        ("admin@example.com", "admin1234"),
        ("admin@example.com", "ADMIN1234"),
        ("admin@example.com", "Adminnnnn"),
        ("admin@example.com", "Ad1"),
        ("admin@example.com", "A" * 250 + "a1"),
        ("admin@example.com", "A" * 300 + "a1"),
        ("admin", "Admin1234"),
        ("a" * 260 + "@example.com", "Admin1234"),
        ("first.last+tag@sub.example.org", "Admin1234"),
    ],
)
def test_login_rules_agree(username: str, password: str) -> None:
    tool_refuses = bool(username_problem(username) or password_problem(password, in_compose=False))
    assert (configuration.credential_problem(username, password) is not None) == tool_refuses


@pytest.mark.parametrize(
    "text",
    ["id: a\n", "\n\t id: a \x0b\n\n", "\ufeffid: a", "  id: a\r\n", "revision: 3\nid: a\n"],
)
def test_trimming_and_revision_lines_agree(text: str) -> None:
    assert flow_text._java_trim(text) == trim(text)
    assert flow_text._java_trim(flow_text._cleanup_source(text)) == comparable(text)


def test_literal_routes_are_the_tools() -> None:
    from kestra_init.kestra.models import LITERAL_FLOW_ROUTES
    from tests.fake_kestra.server import LITERAL_FLOW_ROUTES as FAKE_ROUTES

    assert frozenset(FAKE_ROUTES) == LITERAL_FLOW_ROUTES
