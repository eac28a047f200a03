"""Private repos and credentials: a token from the environment reads a private repo over HTTP, and no
credential (in the environment or written into a URL) is ever printed, stored, published or put in argv.

The private repo is served by ``git http-backend`` on loopback behind a token check (tests/git_http.py).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from generator.cli import main
from generator.redaction import redact_text, redact_url
from tests.git_http import ArgvWatch
from tests.helpers import git, write_portal

DOCS = {
    "README.md": "# Payments API\n\nRead the [guide](docs/guide.md).\n",
    "docs/guide.md": "# Guide\n\nPrivate guide text.\n",
    "openapi.yaml": """
        openapi: 3.0.3
        info: {title: Payments, version: "1.0"}
        paths:
          /payments:
            get:
              responses: {"200": {description: OK}}
        """,
}
TOKEN_VAR = "DEVPORTAL_TEST_TOKEN"


def _files_holding(root: Path, needle: str) -> list[str]:
    """Every file under ``root`` whose bytes or path contain ``needle``."""
    found = []
    for path in root.rglob("*"):
        if needle in str(path):
            found.append(str(path))
        elif path.is_file() and needle.encode() in path.read_bytes():
            found.append(str(path))
    return found


def _assert_nowhere(token: str, portal: Path, outputs: list[str], argv_log: Path | None = None) -> None:
    for text in outputs:
        assert token not in text
    # The lock, the cache (folder names and every file), the stage and the site: all under the portal, beside
    # the user's own mkdocs.yml (where a credential written in a URL came from).
    assert [path for path in _files_holding(portal, token) if path != str(portal / "mkdocs.yml")] == [], \
        "the token was written to disk"
    if argv_log is not None:
        assert argv_log.is_file() and token not in argv_log.read_text()


@pytest.fixture
def private_repo(make_upstream, serve_git):
    """A repo that the loopback server only serves to requests carrying the returned token."""
    token = "tok_" + secrets.token_hex(16)
    upstream = make_upstream("payments", DOCS)
    return upstream, serve_git(token), token


def test_a_token_from_the_environment_reads_a_private_repo_and_goes_nowhere_else(
        tmp_path, private_repo, git_argv_log, monkeypatch, capfd):
    upstream, server, token = private_repo
    portal = tmp_path / "portal"
    config = write_portal(portal, [{"name": "payments", "repo": server.url("payments"), "specs": ["openapi.yaml"],
                                    "web_url": "https://git.example.com/team/payments"}],
                          extra={"auth": {"127.0.0.1": TOKEN_VAR}})
    monkeypatch.setenv(TOKEN_VAR, token)
    with ArgvWatch(token) as watch:
        assert main(["build", "-f", str(config)]) == 0
    out, err = capfd.readouterr()
    assert "Private guide text." in (portal / "site" / "payments" / "docs" / "guide" / "index.html").read_text()
    assert any(ok and method == "POST" for method, _, ok in server.requests)  # git really fetched through the check
    assert all(token not in path for _, path, _ in server.requests)
    _assert_nowhere(token, portal, [out, err], git_argv_log)
    assert watch.samples > 10 and watch.hits == []
    lock = (portal / "devportal.lock").read_text()
    assert server.url("payments") in lock and upstream.head in lock

    # A force-push is detected over the same authenticated connection, still without showing the token.
    git("reset", "-q", "--hard", "HEAD", cwd=upstream.work)
    git("commit", "-q", "--amend", "-m", "Rewritten", cwd=upstream.work)
    git("push", "-q", "--force", "origin", "main:main", cwd=upstream.work)
    with ArgvWatch(token) as watch:
        assert main(["build", "-f", str(config)]) == 0
    out, err = capfd.readouterr()
    assert "[source-history-rewritten]" in err
    _assert_nowhere(token, portal, [out, err], git_argv_log)
    assert watch.hits == []


def test_without_the_token_the_build_fails_naming_the_variable_to_set(tmp_path, private_repo, monkeypatch, capfd):
    _, server, _ = private_repo
    config = write_portal(tmp_path / "portal", [{"name": "payments", "repo": server.url("payments")}],
                          extra={"auth": {"127.0.0.1": TOKEN_VAR}})
    monkeypatch.delenv(TOKEN_VAR, raising=False)
    assert main(["build", "-f", str(config)]) == 1
    out, err = capfd.readouterr()
    assert "[source-auth]" in err and f"set the environment variable {TOKEN_VAR}" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "portal" / "site").exists()


def test_a_wrong_token_is_refused_without_showing_it(tmp_path, private_repo, monkeypatch, capfd):
    _, server, _ = private_repo
    wrong = "tok_" + secrets.token_hex(16)
    config = write_portal(tmp_path / "portal", [{"name": "payments", "repo": server.url("payments")}],
                          extra={"auth": {f"127.0.0.1:{server.port}": TOKEN_VAR}})
    monkeypatch.setenv(TOKEN_VAR, wrong)
    assert main(["build", "-f", str(config), "--format", "json"]) == 1
    out, err = capfd.readouterr()
    problem = json.loads(out)[0]
    assert problem["code"] == "source-auth" and f"${TOKEN_VAR}" in problem["hint"]
    assert wrong not in out + err


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_credential_written_in_the_url_works_but_is_never_printed_or_stored(
        tmp_path, private_repo, git_argv_log, capfd, fmt):
    _, server, token = private_repo
    portal = tmp_path / "portal"
    url = server.url("payments").replace("http://", f"http://reader:{token}@")
    web = f"https://reader:{token}@git.example.com/team/payments"
    config = write_portal(portal, [{"name": "payments", "repo": url, "web_url": web, "specs": ["openapi.yaml"]}])
    with ArgvWatch(token) as watch:
        assert main(["build", "-f", str(config), "--format", fmt]) == 0
    out, err = capfd.readouterr()
    assert "source-url-credential" in out + err  # a warning: move it to an environment variable
    _assert_nowhere(token, portal, [out, err], git_argv_log)
    assert watch.hits == []
    assert server.url("payments") in (portal / "devportal.lock").read_text()
    guide = (portal / "site" / "payments" / "docs" / "guide" / "index.html").read_text()
    assert "Private guide text." in guide
    assert 'href="https://git.example.com/team/payments/edit/main/docs/guide.md"' in guide
    cache = {path.name for path in (portal / ".devportal" / "cache").iterdir()}
    assert any(name.startswith("payments-") for name in cache)


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_errors_about_a_url_with_a_credential_do_not_show_it(tmp_path, private_repo, capfd, fmt):
    _, server, token = private_repo
    wrong = "tok_" + secrets.token_hex(16)
    refused = server.url("payments").replace("http://", f"http://reader:{wrong}@")
    closed = f"https://someone:{token}@127.0.0.1:9/nothing.git?access_token={token}"
    config = write_portal(tmp_path / "portal", [{"name": "refused", "repo": refused},
                                                {"name": "closed", "repo": closed}])
    assert main(["build", "-f", str(config), "--format", fmt]) == 1
    out, err = capfd.readouterr()
    assert "refused" in out + err and "127.0.0.1:9/nothing.git" in out + err
    assert wrong not in out + err and token not in out + err
    assert "Traceback" not in out + err


def test_redaction_takes_the_credential_out_of_any_url_and_text():
    assert redact_url("https://user:s3cret@github.com/o/r.git") == "https://github.com/o/r.git"
    assert redact_url("https://ghp_abcdef@github.com/o/r.git") == "https://github.com/o/r.git"
    assert redact_url("ssh://git:pw@host/o/r.git") == "ssh://git@host/o/r.git"
    assert redact_url("https://host/r.git?private_token=abc&x=1") == "https://host/r.git?private_token=***&x=***"
    assert redact_url("git@github.com:o/r.git") == "git@github.com:o/r.git"
    assert redact_url("../local/folder") == "../local/folder"
    said = "fatal: unable to access 'https://u:p4ss@host/x.git/': The requested URL returned error: 403"
    assert redact_text(said) == "fatal: unable to access 'https://host/x.git/': The requested URL returned error: 403"
    assert redact_text("reach https://h/r.git?token=abc: no (see https://u:p@h/y).") == \
        "reach https://h/r.git?token=***: no (see https://h/y)."
    assert redact_text("header Basic abcdEFGH==", ["abcdEFGH=="]) == "header Basic ***"
