"""The template's answer rules (copier.yml validators), as Copier evaluates them.

Validators are rendered with Copier's own Jinja environment for this template,
exactly as Copier does for prompts and --data answers. The password and email
rules must agree with kestra_init/credentials.py, which `up` applies to .env.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kestra_init.project.credentials import password_problem, username_problem
from kestra_init.templating.answers import load_questions, parse_data
from kestra_init.templating.source import packaged_template_dir

CONFIG = yaml.safe_load((packaged_template_dir() / "copier.yml").read_text())
DEFAULTS: dict[str, Any] = {
    "project_name": "demo",
    "project_slug": "demo",
    "namespace": "demo",
    "kestra_version": "v1.3",
    "database": "postgres",
    "kestra_port": 8080,
    "management_port": 8081,
    "admin_email": "admin@example.com",
    "admin_password": "",
    "example_flows": ["hello_world", "python", "api"],
    "task_runner": "docker",
    "devcontainer": True,
    "github_repository": "",
    "github_actions": True,
    "kestra_init_pip_spec": "kestra-init",
}


@pytest.fixture(scope="module")
def jinja():  # type: ignore[no-untyped-def]
    # What Copier 9 builds for a template without _jinja_extensions or _envops:
    # a sandbox with the Ansible filters (regex_search...). Copier's Worker,
    # which would build it for us, is internal API.
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        keep_trailing_newline=True,
    )


def complaint(jinja, name: str, value: Any, **others: Any) -> str:  # type: ignore[no-untyped-def]
    """What the validator of ``name`` says about ``value`` ('' when it is accepted)."""
    context = {**DEFAULTS, **others, name: value}
    return jinja.from_string(CONFIG[name]["validator"]).render(**context).strip()


def default_of(jinja, name: str, **answers: Any) -> str:  # type: ignore[no-untyped-def]
    context = {**DEFAULTS, **answers}
    return jinja.from_string(str(CONFIG[name]["default"])).render(**context).strip()


# Password and email: the same rules as credentials.py -------------------------------
PASSWORDS = [
    "Admin1234",
    "xY9xxxxx",
    "Kestra-Is-Fun-2026!",
    "Passwört1",
    "Aa1" + "b" * 253,
    "Aa1" + "b" * 254,
    "kestra",
    "Short1A",
    "alllowercase1",
    "ALLUPPERCASE1",
    "NoDigitsHere",
    "ÄÖÜäöü12",
    "ÄÖÜäöüAb",
    "Pa$sword1",
    "Pass word1",
    "Pass'word1",
    'Pass"word1',
    "Pass\\word1",
    "Pass`word1",
    "Pass\tword1",
    "Password1\n",
    "Pass\u00a0word1",
    "Aa1²²²²²",
    "#Aa1!%&*()[]{}",
]
EMAILS = [
    "admin@example.com",
    "a.b+c@d.io",
    "admin@kestra.io",
    "admin",
    "admin@localhost",
    "a b@c.d",
    "@example.com",
    "a@b@c.de",
    'x"y@a.bc',
    "x$y@a.bc",
    "x'y@a.bc",
    "a@b.cd\n",
    "a" * 250 + "@b.cd",
    "a" * 260 + "@b.cd",
    "ü@exämple.de",
]


@pytest.mark.parametrize("password", PASSWORDS)
def test_password_rule_agrees_with_credentials(jinja, password: str) -> None:  # type: ignore[no-untyped-def]
    jinja_refuses = bool(complaint(jinja, "admin_password", password))
    assert jinja_refuses == (password_problem(password) is not None), password


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(string.ascii_letters + string.digits + "$'\"\\` \t\n!#äÄ²\u00a0"),
        min_size=1,
        max_size=20,
    )
)
def test_password_rule_agrees_on_generated_samples(jinja, password: str) -> None:  # type: ignore[no-untyped-def]
    jinja_refuses = bool(complaint(jinja, "admin_password", password))
    assert jinja_refuses == (password_problem(password) is not None), repr(password)


def test_an_empty_password_means_generate_one(jinja) -> None:  # type: ignore[no-untyped-def]
    assert complaint(jinja, "admin_password", "") == ""


def test_a_refused_password_says_what_is_missing(jinja) -> None:  # type: ignore[no-untyped-def]
    message = complaint(jinja, "admin_password", "kestra")
    assert "at least 8 characters" in message
    assert "an upper-case letter" in message
    assert "a digit" in message
    assert "empty to generate" in message


@pytest.mark.parametrize("email", EMAILS)
def test_email_rule_agrees_with_credentials(jinja, email: str) -> None:  # type: ignore[no-untyped-def]
    jinja_refuses = bool(complaint(jinja, "admin_email", email))
    assert jinja_refuses == (username_problem(email) is not None), email


# Kestra version ----------------------------------------------------------------------
@pytest.mark.parametrize("version", ["v1.3", "1.3", "v1.3.2", "1.0", "V1.1", "v1.10", "1.3.12"])
def test_kestra_1x_versions_are_accepted(jinja, version: str) -> None:  # type: ignore[no-untyped-def]
    assert complaint(jinja, "kestra_version", version) == ""


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("latest", "now points at Kestra 2.x"),
        ("LATEST", "now points at Kestra 2.x"),
        ("v2.0", "2.0 removed constructs that 1.x flows use"),
        ("2.1", "2.0 removed constructs that 1.x flows use"),
        ("v3.0.1", "2.0 removed constructs that 1.x flows use"),
        ("0.24", "1.N, v1.N or v1.N.M"),
        ("v1", "1.N, v1.N or v1.N.M"),
        ("v1.3-full", "1.N, v1.N or v1.N.M"),
        ("v1.3 ", "1.N, v1.N or v1.N.M"),
        ("", "1.N, v1.N or v1.N.M"),
    ],
)
def test_other_versions_are_refused_with_the_reason(jinja, version: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert reason in complaint(jinja, "kestra_version", version)


def test_the_image_tag_is_the_normalised_version(jinja) -> None:  # type: ignore[no-untyped-def]
    for answer, tag in [("1.3", "v1.3"), ("v1.3.2", "v1.3.2"), ("V1.1", "v1.1")]:
        assert default_of(jinja, "kestra_image_tag", kestra_version=answer) == tag
    assert CONFIG["kestra_version"]["default"] == "v1.3"  # the LTS line
    assert CONFIG["postgres_image"]["default"].split(":")[1].isdigit()  # a pinned major


# Names ---------------------------------------------------------------------------------
@pytest.mark.parametrize("namespace", ["company.team", "demo", "a", "x1_y-z.w", "a" * 150])
def test_kestra_namespaces_are_accepted(jinja, namespace: str) -> None:  # type: ignore[no-untyped-def]
    assert complaint(jinja, "namespace", namespace) == ""


@pytest.mark.parametrize("namespace", ["My NS", "Company.team", "-x", ".x", "", "a" * 151, "a/b"])
def test_bad_namespaces_are_refused(jinja, namespace: str) -> None:  # type: ignore[no-untyped-def]
    assert "lower-case letters, digits, dots" in complaint(jinja, "namespace", namespace)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("myproj", "myproj"),
        ("My Kestra Project!", "my-kestra-project"),
        ("__init", "init"),
        ("data_eng-2026", "data_eng-2026"),
        ("???", "kestra-project"),
        ("Ünïcode", "n-code"),
        ("x" * 80, "x" * 50),
    ],
)
def test_the_slug_default_is_always_a_valid_slug(jinja, name: str, slug: str) -> None:  # type: ignore[no-untyped-def]
    derived = default_of(jinja, "project_slug", project_name=name)
    assert derived == slug
    assert complaint(jinja, "project_slug", derived) == ""
    # ...and a valid namespace, which defaults to the slug.
    assert complaint(jinja, "namespace", default_of(jinja, "namespace", project_slug=derived)) == ""


@pytest.mark.parametrize("slug", ["My Proj", "-x", "", "a" * 51, "a.b"])
def test_bad_slugs_are_refused(jinja, slug: str) -> None:  # type: ignore[no-untyped-def]
    assert "Docker Compose uses it" in complaint(jinja, "project_slug", slug)


@pytest.mark.parametrize("name", ["", "   ", "!!!", "___", "a" * 81, "two\nlines"])
def test_bad_project_names_are_refused(jinja, name: str) -> None:  # type: ignore[no-untyped-def]
    assert complaint(jinja, "project_name", name)


@pytest.mark.parametrize("name", ["日本のプロジェクト", "Проект", "Données 2026"])
def test_names_in_any_script_are_accepted(jinja, name: str) -> None:  # type: ignore[no-untyped-def]
    # `new` takes the folder's name as the default: a folder named in Japanese or
    # Cyrillic must not be refused for having "no letter". The slug falls back.
    assert complaint(jinja, "project_name", name) == ""
    assert (
        complaint(jinja, "project_slug", default_of(jinja, "project_slug", project_name=name)) == ""
    )


# Ports --------------------------------------------------------------------------------
@pytest.mark.parametrize("port", [0, -1, 65536, 70000])
def test_ports_out_of_range_are_refused(jinja, port: int) -> None:  # type: ignore[no-untyped-def]
    assert "1 to 65535" in complaint(jinja, "kestra_port", port)
    assert "1 to 65535" in complaint(jinja, "management_port", port)


def test_the_two_ports_must_differ(jinja) -> None:  # type: ignore[no-untyped-def]
    assert "must differ" in complaint(jinja, "management_port", 9000, kestra_port=9000)
    assert complaint(jinja, "management_port", 9001, kestra_port=9000) == ""
    assert default_of(jinja, "management_port", kestra_port=8081) == "8082"


@pytest.mark.parametrize(
    ("spec", "ok"),
    [
        ("kestra-init", True),
        ("kestra-init==0.1.0", True),
        ("kestra-init @ git+https://github.com/o/r@main", True),
        ("", False),
        ("a\nb", False),
        ('kestra"init', False),
    ],
)
def test_pip_spec_rule(jinja, spec: str, ok: bool) -> None:  # type: ignore[no-untyped-def]
    assert (complaint(jinja, "kestra_init_pip_spec", spec) == "") == ok


# --data parsing -------------------------------------------------------------------------
def test_data_is_typed_by_the_questions() -> None:
    questions = load_questions(packaged_template_dir() / "copier.yml")
    answers = parse_data(
        [
            "kestra_port=9090",
            "devcontainer=no",
            "github_actions=TRUE",
            "example_flows=hello_world, api",
            "namespace=company.team",
            "admin_password=Has=Equals1",
        ],
        questions,
    )
    assert answers == {
        "kestra_port": 9090,
        "devcontainer": False,
        "github_actions": True,
        "example_flows": ["hello_world", "api"],
        "namespace": "company.team",
        "admin_password": "Has=Equals1",
    }
    assert parse_data(["example_flows=[python]"], questions) == {"example_flows": ["python"]}
    assert parse_data(["example_flows="], questions) == {"example_flows": []}
    assert questions["admin_password"].secret


@pytest.mark.parametrize(
    ("pair", "words"),
    [
        ("kestra_port=abc", "takes a whole number"),
        ("devcontainer=maybe", "takes yes or no"),
        ("namespce=x", "Did you mean 'namespace'"),
        ("no-equals-sign", "is not KEY=VALUE"),
    ],
)
def test_unclear_data_is_refused_with_the_reason(pair: str, words: str) -> None:
    from kestra_init.errors import UsageError

    questions = load_questions(packaged_template_dir() / "copier.yml")
    with pytest.raises(UsageError) as caught:
        parse_data([pair], questions)
    assert words in str(caught.value)


def test_the_template_ships_with_the_package() -> None:
    root = packaged_template_dir()
    assert (root / "copier.yml").is_file()
    assert Path(root, "project", "docker-compose.yml.jinja").is_file()


# Prompts ------------------------------------------------------------------------------
# Copier's prompts (questionary on prompt_toolkit) never wrap: in an 80-column
# terminal, the default size, whatever passes the last column is cut off, so a
# question would lose its end ("it is kept in .env only"). The question mark
# takes 3 columns; a checkbox or list choice is drawn after about 5.
@pytest.mark.parametrize(
    "name", [name for name, spec in CONFIG.items() if isinstance(spec, dict) and "help" in spec]
)
def test_every_question_and_choice_fits_an_80_column_terminal(name: str) -> None:
    spec = CONFIG[name]
    assert len(spec["help"]) <= 77, spec["help"]
    for label in spec.get("choices") or {}:
        assert len(str(label)) <= 74, label
