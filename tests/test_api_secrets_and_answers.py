"""Secrets never shown or uploaded; answers that are not Kestra's never crash a command.

- credentials in a URL's user-info are used, and never printed, put in JSON,
  links or crash files;
- a link or a git-ignored file is never uploaded;
- a proxy's login page, a web server at the wrong URL, malformed JSON: exit 4
  with one paragraph, never 70; a malformed URL: exit 2 before any request.
"""

from __future__ import annotations

import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kestra_init.exit_codes import ExitCode
from tests.helpers import assert_no_traceback, json_data, make_api_project, read_envelope
from tests.sync_helpers import flow, write

SECRET = "Sup3rSecretPw"


def test_a_password_in_the_url_is_used_and_never_shown(cli, fake_kestra_factory, tmp_path):
    server = fake_kestra_factory(username="ops@x.io", password=SECRET)
    project = tmp_path / "p"
    (project / "flows").mkdir(parents=True)
    write(project / "flows", "a.yml", flow("a"))
    server.put_flow(flow("run_me"))
    url = server.url.replace("http://", f"http://ops%40x.io:{SECRET}@")
    results = [
        cli("sync", "flows", "--server", url, cwd=project),
        cli("sync", "flows", "--server", url, "--json", cwd=project),
        cli("sync", "flows", "--server", url, "--dry-run", cwd=project),
        cli("run", "demo/run_me", "--server", url, cwd=project),
        cli("run", "demo/run_me", "--server", url, "--json", cwd=project),
        cli("validate", "flows", "--server", "--url", url, cwd=project),
    ]
    for result in results:
        assert result.returncode == ExitCode.OK, result.stdout + result.stderr
        assert SECRET not in result.stdout + result.stderr
    assert ("demo", "a") in server.flows()  # the credentials from the URL were used
    assert "ops%40x.io" not in results[0].stdout  # nor the user-info, in tables and links
    run = json_data(results[4].stdout, "run")
    assert run["link"].startswith(server.url)
    # Errors too: a wrong password in the URL is refused, and not echoed.
    wrong = cli("sync", "flows", "--server", url.replace(SECRET, "Wr0ngPassword"), cwd=project)
    assert wrong.returncode == ExitCode.KESTRA and "Wr0ngPassword" not in wrong.stderr
    # A malformed URL with a password: exit 2, the password not in the message.
    bad = cli("sync", "flows", "--server", f"http://u:{SECRET}@localhost:abc", cwd=project)
    assert bad.returncode == ExitCode.USAGE and SECRET not in bad.stderr


def test_a_crash_file_holds_no_secret_of_the_command_line(tmp_path: Path) -> None:
    script = (
        "from kestra_init import cli\n"
        "@cli.app.command(context_settings={'allow_extra_args': True, "
        "'ignore_unknown_options': True})\n"
        "def boom() -> None:\n"
        f"    raise RuntimeError('failed at http://u:{SECRET}@host/x')\n"
        "cli.main()\n"
    )
    args = [
        "boom", "--server", f"http://u:{SECRET}@host", "-dadmin_password=" + SECRET,
        "--input", f"db_password={SECRET}", "-i", f"api_token={SECRET}", "--password=" + SECRET,
    ]  # fmt: skip
    result = subprocess.run(
        [os.sys.executable, "-c", script, *args],  # type: ignore[attr-defined]
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "NO_COLOR": "1"},
        check=False,
    )
    assert result.returncode == ExitCode.INTERNAL
    (crash,) = tmp_path.glob("kestra-init-crash-*.log")
    text = crash.read_text()
    assert "RuntimeError" in text and "db_password=***" in text
    assert SECRET not in text + result.stdout + result.stderr


def test_links_and_ignored_files_are_never_uploaded(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text(".env\nsecrets/\n")
    (project / "secrets").mkdir()
    (project / "secrets" / "token.txt").write_text(SECRET)
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRET)
    files = project / "namespace-files" / "demo"
    files.mkdir(parents=True)
    (files / "script.py").write_text("print('hello')\n")
    (files / "config.txt").symlink_to(project / ".env")
    (files / "token.txt").symlink_to(project / "secrets" / "token.txt")
    (files / "far.txt").symlink_to(outside)
    (project / "flows" / "far.yml").symlink_to(outside)
    write(project / "flows", "a.yml", flow("a"))
    result = cli("sync", "--json", cwd=project)
    assert result.returncode == ExitCode.FINDINGS
    data = json_data(result.stdout, "sync")
    problems = {Path(p["file"]).name: p["message"] for p in data["problems"]}
    assert "named like a secret (.env)" in problems["config.txt"]
    assert "git ignores" in problems["token.txt"]
    assert "outside the project" in problems["far.txt"]
    assert "outside the project" in problems["far.yml"]
    assert set(fake_kestra.namespace_files("demo")) == {"/script.py"}
    assert ("demo", "a") in fake_kestra.flows()
    for stored in fake_kestra.namespace_files("demo").values():
        assert SECRET.encode() not in stored


def test_a_file_name_kestra_would_change_is_refused_up_front(cli, fake_kestra, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    files = project / "namespace-files" / "demo"
    files.mkdir(parents=True)
    (files / "my notes.txt").write_text("notes\n")
    (files / "ok.txt").write_text("fine\n")
    write(project / "flows", "a.yml", flow("a"))
    first = cli("sync", "--json", cwd=project)
    assert first.returncode == ExitCode.FINDINGS
    (problem,) = json_data(first.stdout, "sync")["problems"]
    assert "my notes.txt" in problem["message"] and "rename it" in problem["message"]
    assert set(fake_kestra.namespace_files("demo")) == {"/ok.txt"}
    fake_kestra.clear_requests()
    cli("sync", cwd=project)
    assert not [r for r in fake_kestra.writes() if "/files" in r.path]  # nothing sent again


def test_a_namespace_named_like_a_route_is_written_flow_by_flow(fake_kestra, cli, tmp_path):
    project = make_api_project(tmp_path / "p", fake_kestra)
    for namespace in ("validate", "search", "bulk"):
        write(project / "flows", f"{namespace}.yml", flow("x", namespace=namespace))
    result = cli("sync", cwd=project)
    assert result.returncode == ExitCode.OK, result.stdout
    assert sorted(fake_kestra.flows()) == [("bulk", "x"), ("search", "x"), ("validate", "x")]
    assert not [r for r in fake_kestra.requests if r.path.endswith("/flows/validate")]
    again = cli("sync", cwd=project)
    assert "Everything is unchanged" in again.stdout


# Servers that are not Kestra -------------------------------------------------------------
class _Impostor(BaseHTTPRequestHandler):
    """Answers 200 to everything with what ``body`` and ``content_type`` say."""

    body = b"<html><body>Please log in</body></html>"
    content_type = "text/html"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(
    params=[
        (b"<html><body>Please log in</body></html>", "text/html"),
        (b"just some text", "text/plain"),
        (b'{"results": [', "application/json"),
        (b'["a", "list", "where an object belongs"]', "application/json"),
        (b'{"an": "object where a list belongs"}', "application/json"),
    ],
    ids=["html", "text", "bad-json", "list", "object"],
)
def impostor(request):  # type: ignore[no-untyped-def]
    body, content_type = request.param
    handler = type("Handler", (_Impostor,), {"body": body, "content_type": content_type})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_answers_that_are_not_kestras_are_exit_4_never_70(cli, impostor, tmp_path):
    project = tmp_path / "p"
    write(project / "flows", "a.yml", flow("a"))
    creds = ["--username", "a@b.io", "--password", "Admin1234"]
    commands = [
        ["sync", "flows", "--server", impostor, *creds],
        ["sync", "flows", "--server", impostor, "--json", *creds],
        ["run", "demo/a", "--server", impostor, *creds],
        ["run", "a", "--server", impostor, *creds],
        ["attach", "someid", "--server", impostor, *creds],
        ["validate", "flows", "--server", "--url", impostor, *creds],
    ]
    for args in commands:
        result = cli(*args, cwd=project)
        assert result.returncode == ExitCode.KESTRA, (args, result.stdout, result.stderr)
        assert_no_traceback(result)
        assert "crash" not in result.stderr
        if "--json" in args:
            error = read_envelope(result.stdout, args[0])["error"]
            assert error["category"] == "kestra" and "not answering like Kestra" in error["what"]
        else:
            assert "not answering like Kestra" in " ".join(result.stderr.split())


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        ("--server", "http://localhost:abc", "port"),
        ("--server", "http://localhost:99999", "port"),
        ("--server", "localhost:8080", "http://"),
        ("--server", "ftp://kestra.example.com", "starts with ftp://"),
        ("--server", "http://", "names no host"),
        ("KESTRA_URL", "http://[::1", "cannot be read"),
        ("KESTRA_URL", "http://kestra example.com", "space"),
    ],
)
def test_a_malformed_url_is_exit_2_before_any_request(cli, tmp_path, where, value, words):
    project = tmp_path / "p"
    write(project / "flows", "a.yml", flow("a"))
    args = ["sync", "flows", *((where, value) if where.startswith("--") else ())]
    env = {"KESTRA_URL": value} if where == "KESTRA_URL" else {}
    result = cli(*args, cwd=project, env=env)
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert "is not a Kestra URL" in result.stderr and words in " ".join(result.stderr.split())
    assert_no_traceback(result)


def test_every_way_out_of_the_project_is_seen_through_folders_and_links(tmp_path):
    # The guard resolves each folder once and lstats each file (upload_guard._resolved):
    # a folder that is a link, a link to a link, and a plain file under an ignored
    # folder must each be judged as Path.resolve() would judge them.
    from kestra_init.services.upload_guard import refused_uploads

    project = tmp_path / "p"
    files = project / "namespace-files" / "demo"
    files.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text("private/\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "notes.txt").write_text(SECRET)
    (files / "away").symlink_to(outside)  # a folder link out of the project
    (files / "here").symlink_to(project / "namespace-files")  # a folder link inside it
    (files / "hop.txt").symlink_to(files / "away" / "notes.txt")  # a link to a link out
    (project / "private").mkdir()
    (project / "private" / "key.txt").write_text(SECRET)
    (files / "private").symlink_to(project / "private")
    for name in ("ok.py", ".env.example", "deploy.pem", ".env.prod"):
        (files / name).write_text("x\n")
    given = [
        files / "away" / "notes.txt",
        files / "here" / "demo" / "ok.py",
        files / "hop.txt",
        files / "private" / "key.txt",
        files / "ok.py",
        files / ".env.example",
        files / "deploy.pem",
        files / ".env.prod",
    ]
    found = refused_uploads(given, project)
    refused = {path.relative_to(files).as_posix(): why for path, why in found.items()}
    assert set(refused) == {
        "away/notes.txt",
        "hop.txt",
        "private/key.txt",
        "deploy.pem",
        ".env.prod",
    }
    assert "lies outside the project" in refused["away/notes.txt"]
    assert f"links to {(outside / 'notes.txt').resolve()}" in refused["hop.txt"]
    assert "git ignores" in refused["private/key.txt"]
    assert "named like a secret (deploy.pem)" in refused["deploy.pem"]
    # A plain file (no link anywhere) under an ignored folder: ignored by git.
    plain = refused_uploads([project / "private" / "key.txt"], project)
    assert [why.split(" in this project")[0] for why in plain.values()] == ["is ignored by git"]
