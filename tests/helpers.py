"""Helpers the tests share (fixtures that use them are in conftest.py): real Git repos made by the test,
portal projects that use them, the example project, the corpus portal and a local HTTP server."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "vipps"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


@dataclass
class Upstream:
    """A bare repo reached by ``file://`` URL, plus the work tree used to push commits to it."""

    work: Path
    bare: Path
    head: str = ""  # the last commit pushed

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def commit(self, files: dict[str, str | bytes], message: str = "Update docs", branch: str = "main") -> str:
        git("checkout", "-q", "-B", branch, cwd=self.work) if branch != self.branch() else None
        for rel, content in files.items():
            path = self.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        git("push", "-q", "origin", f"{branch}:{branch}", cwd=self.work)
        self.head = git("rev-parse", "HEAD", cwd=self.work)
        return self.head

    def branch(self) -> str:
        return git("symbolic-ref", "--short", "HEAD", cwd=self.work)

    def tag(self, name: str, message: str = "Release") -> None:
        git("tag", "-a", name, "-m", message, cwd=self.work)
        git("push", "-q", "origin", name, cwd=self.work)


def new_upstream(root: Path, name: str, files: dict[str, str | bytes]) -> Upstream:
    """A bare Git repo under ``root`` with a first commit of ``files`` on ``main``."""
    bare = root / "upstream" / f"{name}.git"
    work = root / "work" / name
    bare.mkdir(parents=True)
    work.mkdir(parents=True)
    git("init", "-q", "--bare", "-b", "main", cwd=bare)
    git("init", "-q", "-b", "main", cwd=work)
    git("remote", "add", "origin", str(bare), cwd=work)
    upstream = Upstream(work=work, bare=bare)
    upstream.commit(files, "Initial docs")
    return upstream


def write_portal(root: Path, sources: list[dict], *, pages: dict[str, str] | None = None,
                 extra: dict | None = None) -> Path:
    """Write a portal project (mkdocs.yml + content/portal) using the repo's own theme overrides."""
    content = root / "content" / "portal"
    content.mkdir(parents=True, exist_ok=True)
    for rel, text in (pages or {"index.md": "# Portal\n\n<!-- devportal:api-overview -->\n"}).items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    plugin = {"content_dir": "content/portal", "updates": {"enabled": False}, "sources": sources}
    plugin.update(extra or {})
    config = {
        "site_name": "Test Portal",
        "site_url": "https://portal.example.com/",
        "docs_dir": "content/portal",
        "theme": {"name": "material", "custom_dir": str(REPO_ROOT / "templates" / "overrides"), "font": False},
        "plugins": ["search", {"devportal": plugin}],
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


CHROMIUM = Path("/usr/bin/chromium")


class ServeSession:
    """A running ``devportal serve``: its base URL and every line it printed so far."""

    BUILD_LINE = "Building documentation"

    def __init__(self, base: str, pid: int) -> None:
        self.base = base
        self.pid = pid
        self.lines: list[str] = []

    def builds(self) -> int:
        """How many builds it started (the first included)."""
        return sum(self.BUILD_LINE in line for line in self.lines)

    def fetch(self, path: str) -> str | None:
        try:
            with urllib.request.urlopen(f"{self.base}/{path}", timeout=5) as response:
                return response.read().decode("utf-8", "replace")
        except OSError:
            return None

    def wait_for(self, path: str, ok, timeout: float, interval: float = 0.05) -> float | None:
        """Seconds until the page at ``path`` satisfies ``ok`` (None past ``timeout``)."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            text = self.fetch(path)
            if text is not None and ok(text):
                return time.perf_counter() - start
            time.sleep(interval)
        return None

    def wait_idle(self, seconds: float, timeout: float = 120) -> None:
        """Wait until it printed nothing for ``seconds`` (a build in progress prints)."""
        deadline = time.monotonic() + timeout
        seen, since = len(self.lines), time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - since < seconds:
            time.sleep(0.1)
            if len(self.lines) != seen:
                seen, since = len(self.lines), time.monotonic()


@contextlib.contextmanager
def devportal_serve(config: Path, *, env: dict | None = None, code: Path = REPO_ROOT):
    """Run ``devportal serve`` of ``config`` on a free port for the block; yields a :class:`ServeSession`.
    ``code``: the devportal checkout that serves (this one by default)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "serve", "-f", str(config),
                             "-a", f"127.0.0.1:{port}"], cwd=config.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {}),
                                                                     "PYTHONPATH": str(code)})
    session = ServeSession(f"http://127.0.0.1:{port}", proc.pid)
    reader = threading.Thread(target=lambda: session.lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        yield session
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def copy_example(target: Path) -> Path:
    """The example project (mkdocs.yml, content/, templates/) in a folder of its own."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(REPO_ROOT / "content", target / "content")
    shutil.copytree(REPO_ROOT / "templates", target / "templates")
    return target / "mkdocs.yml"


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path, with its bytes: two sites compared file by file."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


class QuietFileHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, *args) -> None:
        pass


def serve_folder(folder: Path):
    """Serve ``folder`` over HTTP on loopback; yields the base URL."""
    return serve(functools.partial(QuietFileHandler, directory=str(folder)))


@contextlib.contextmanager
def serve(handler):
    """Run an HTTP server with ``handler`` on loopback for the block; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


PUBLISHED = "https://developer.vippsmobilepay.com"


def corpus_sources() -> list[dict]:
    sources = []
    for folder in sorted(CORPUS.glob("vipps-*")):
        api = folder.name.removeprefix("vipps-")
        published = [f"{PUBLISHED}/docs/"] if api == "developers" else [
            f"{PUBLISHED}/docs/APIs/{api}/", f"{PUBLISHED}/api/{api.removesuffix('-api')}"]
        sources.append({
            "name": api, "repo": str(folder), "pages": ["**/*.md"],
            "exclude": ["**/_*.md", "ISSUE_TEMPLATE.md"],
            "specs": [p.relative_to(folder).as_posix() for p in sorted(folder.glob("docs/**/*.y*ml"))],
            "title": api.replace("-", " ").title(), "web_url": f"https://github.com/vippsas/{folder.name}",
            "published_urls": published,
        })
    return sources


#: Whether the element a selector names is on screen at ``top`` px below the viewport's top or lower, and less
#: than ``limit`` px below it; when the page is scrolled to its end, anywhere on screen (as high as it can be).
_LANDED = """([selector, top, limit]) => {
  const element = document.querySelector(selector)
  if (!element) return false
  const y = element.getBoundingClientRect().top
  const atEnd = Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight
  return y >= top && y < (atEnd ? innerHeight : limit)
}"""


def wait_for_landing(page, selector: str, *, limit: float, top: float = 0, timeout: int = 10_000) -> dict | None:
    """Wait until the page has scrolled the element ``selector`` names into place (see ``_LANDED``), then
    300 ms more, and return the element's bounding box then. A jump that lands late on a loaded machine passes
    (a fixed wait before one look failed CI runs); one that never lands, or moves away after landing, fails."""
    page.wait_for_function(_LANDED, arg=[selector, top, limit], timeout=timeout)
    page.wait_for_timeout(300)
    return page.locator(selector).first.bounding_box()


def wait_for_answer(page, query: str, *, timeout: int = 30_000) -> None:
    """Wait until the search box's results are those of the whole ``query`` (the list's ``data-dp-answers``,
    set by the portal's search script): the results of a prefix of it, typed before, may be shown first."""
    page.wait_for_function("q => document.querySelector('.md-search-result__list')?.dataset.dpAnswers === q",
                           arg=query, timeout=timeout)
