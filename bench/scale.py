"""Benchmark: how the portal scales, on synthetic portals of S, M and L size, measured in one run.

Each size is a portal of N bare Git repos reached by ``file://`` and packed, as a hosted repo is (Markdown
guides with headings, lists, code, tables, links between pages, to other sources and to API operations;
OpenAPI 3.0 specs of varied size from bench/specgen.py). For each size it prints, CPU seconds (of every child
process, the remote's git among them: it runs here) and wall:

* cold ``devportal build`` (empty cache, fresh clones) and a plain ``mkdocs build`` of the same staged tree
  (their ratio in CPU and in wall time), and (when Zensical is installed) Zensical's build of that tree,
  cold, side by side; the cold build's own steps as its log times them: fetch + stage (the portal's work,
  which a plain build of the staged tree does not do) and its site step (MkDocs and the search index),
  each against the plain build; with ``--pairs N``, N-1 more cold builds each followed at once by a plain
  build, and the median, lowest and highest of the N pairs' ratios (the host's speed drifts between two
  builds minutes apart: a pair's ratio moves less than either build); with ``--one-cpu N``, N more such
  pairs with both builds confined to one CPU (each then runs its work one piece after another: one reference
  worker, no rendering ahead, one Pagefind at a time) and the median of their ratios: the work each does,
  without the CPU time that work done side by side on two CPUs costs;
* the site: total size, HTML pages, bytes per HTML page, nav items on an API page, search_index.json;
* rebuilds (no upstream change; one page changed; one spec changed) as a fraction of the cold build,
  and how many output files each rewrote (mtime changed) and changed (bytes differ); with ``--pairs N``,
  N-1 more one-page rebuilds (another page change each), and the median of the N against the median of the
  N cold builds (one rebuild moves with the host as a cold build does). The first one-page rebuild is the
  first incremental build after the cold build: it makes the hard-linked copy of the site (a folder per
  page) that each later one takes over from the site its swap replaced (10 % of that rebuild at M);
* the search: its index on disk, the time from opening a page in chromium to the first search result on
  screen, by the page's own clock (the median of three fresh browsers, with the fastest and slowest, and the
  median as Playwright's wait saw it) and the bytes of index downloaded until
  then, and whether an operation is in the first three results when searched by its summary, its
  operationId and its method and path (``--search lunr``: Material's search);
* under ``devportal serve``, a save of a portal page: wall seconds until it is served, the CPU of its
  rebuild, and how many builds it started;

then the ratios of each figure against the first size, beside the content ratio, so linearity shows.
The package's modules are compiled first (``compileall``), as an installed package has them.
A size whose steps would not fit in ``--budget`` seconds (predicted from the previous size) is skipped
with the reason printed; no figure is ever estimated.

Usage: python bench/scale.py [--sizes S,M,L] [--tiny] [--budget SECONDS] [--json FILE] [--keep DIR]
                            [--search pagefind|lunr] [--pairs N] [--one-cpu N]
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import math
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import serve_save  # noqa: E402
from bench.specgen import generate_spec  # noqa: E402
from generator.stage.zensical_engine import zensical_version  # noqa: E402
from generator.timing import step_times  # noqa: E402
from tests.helpers import serve_folder  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
SEARCH_RUNS = 3  # the first search result is timed in this many fresh browsers; the median is the figure
ORG = "northwind"
PUBLISHED = "https://docs.northwind.example"
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "Bench",
           "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@dataclass(frozen=True)
class Size:
    """A synthetic portal: ``repos`` sources, ``pages`` Markdown pages over them, ``specs`` OpenAPI specs."""

    name: str
    repos: int
    pages: int
    specs: int
    operations: tuple[int, ...] = (24, 80, 200)  # operations of spec 0, 1, 2, 3... (cycled)

    def spec_operations(self) -> list[int]:
        return [self.operations[i % len(self.operations)] for i in range(self.specs)]


SIZES = {"S": Size("S", 10, 200, 3), "M": Size("M", 30, 600, 10), "L": Size("L", 100, 2000, 30)}
TINY = [Size("XS", 2, 8, 1, (12,)), Size("XS2", 4, 16, 2, (12,))]

AREAS = ["guides", "concepts", "how-to", "troubleshooting"]
TOPICS = ["authentication", "pagination", "idempotency", "webhooks", "errors", "rate limits", "sandbox",
          "settlement", "reconciliation", "refunds", "disputes", "payouts", "currencies", "onboarding",
          "reporting", "testing", "versioning", "security", "retries", "metadata"]
WORDS = ("merchant customer request response token scope amount currency capture refund order status event "
         "signature header retry limit cursor sandbox production partner account balance settlement report "
         "ledger invoice receipt callback timeout").split()
SERVICES = ["Payments", "Login", "Checkout", "Recurring", "Payouts", "Ledger", "Invoices", "Disputes", "Reports",
            "Partners", "Terminals", "Orders", "Shipping", "Loyalty", "Identity", "Accounts", "Settlements",
            "Webhooks", "Catalog", "Risk"]


# --- the synthetic portal ---------------------------------------------------------------------------------

def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


def _sentence(seed: int, words: int = 14) -> str:
    picked = [WORDS[(seed * 7 + i * 13 + i * i) % len(WORDS)] for i in range(words)]
    return " ".join(picked).capitalize() + "."


def _page_paths(repo: int, count: int) -> list[str]:
    """The repo paths of a source's pages: README.md, then docs/<area>/<topic>.md."""
    paths = ["README.md"]
    for i in range(count - 1):
        topic = TOPICS[(repo + i) % len(TOPICS)].replace(" ", "-")
        paths.append(f"docs/{AREAS[i % len(AREAS)]}/{topic}-{i // len(TOPICS) + 1}.md")
    return paths


@dataclass
class Repo:
    name: str
    title: str
    work: Path
    bare: Path
    pages: list[str]
    spec: str | None = None
    operations: int = 0
    spec_seed: int = 0


def _page_text(repo: Repo, index: int, repos: list[Repo], api_repos: list[Repo]) -> str:
    """One realistic guide page: headings, paragraphs, lists, code, a table and links of every kind."""
    path = repo.pages[index]
    title = repo.title if path == "README.md" else path.rsplit("/", 1)[1][:-3].replace("-", " ").capitalize()
    here = path.rsplit("/", 1)[0] if "/" in path else ""
    sibling = repo.pages[(index + 1) % len(repo.pages)]
    rel = os.path.relpath(sibling, here or ".").replace(os.sep, "/")
    other = repos[(repos.index(repo) + 1) % len(repos)]
    other_page = other.pages[(index + 2) % len(other.pages)]
    api = api_repos[(repos.index(repo) + index) % len(api_repos)]
    lines = [f"# {title}", "", _sentence(index) + " " + _sentence(index + 1, 20), ""]
    for section in range(4):
        seed = index * 5 + section
        lines += [f"## {['Before you start', 'Make the request', 'Handle the response', 'Go live'][section]}", "",
                  _sentence(seed, 22) + " " + _sentence(seed + 3, 18), ""]
        if section == 0:
            lines += [f"- {_sentence(seed + i, 8)}" for i in range(4)]
            lines += ["", f"See [the next guide]({rel}#before-you-start) and "
                      f"[{other.title}](https://github.com/{ORG}/{other.name}/blob/main/{other_page}).", ""]
        elif section == 1:
            lines += ["```bash", f"curl -X POST https://api.northwind.example/{repo.name}/v1/orders \\",
                      '  -H "Authorization: Bearer $TOKEN" \\', '  -H "Idempotency-Key: $(uuidgen)" \\',
                      "  -d '{\"amount\": {\"currency\": \"NOK\", \"value\": 49900}}'", "```", "",
                      f"The operation is [Create a payment]({PUBLISHED}/{api.name}/#tag/Payment/operation/"
                      f"createPayment) in the {api.title} reference.", ""]
        elif section == 2:
            lines += ["| field | type | description |", "|---|---|---|"]
            lines += [f"| `{WORDS[(seed + i) % len(WORDS)]}` | {['string', 'integer', 'boolean'][i % 3]} | "
                      f"{_sentence(seed + i, 9)} |" for i in range(6)]
            lines += ["", "```python", "import requests", "",
                      f"response = requests.get('https://api.northwind.example/{repo.name}/v1/orders',",
                      "                        headers={'Authorization': f'Bearer {token}'}, timeout=10)",
                      "response.raise_for_status()", "for order in response.json()['data']:",
                      "    print(order['id'], order['status'])", "```", ""]
        else:
            lines += [f"{i + 1}. {_sentence(seed + i, 10)}" for i in range(3)]
            lines += ["", "!!! note", f"    {_sentence(seed, 16)}", ""]
    return "\n".join(lines) + "\n"


def _spec_document(repo: Repo, revision: int = 0) -> dict:
    spec = generate_spec(repo.operations, seed=repo.spec_seed)
    spec["info"]["title"] = repo.title
    spec["info"]["version"] = f"1.{revision}.0"
    if revision:  # what a spec change is: one operation's summary
        first = next(iter(spec["paths"].values()))
        next(iter(first.values()))["summary"] += f" (revised {revision})"
    return spec


def _write_spec(repo: Repo, revision: int = 0) -> None:
    document = _spec_document(repo, revision)
    target = repo.work / repo.spec
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".json":
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    else:
        target.write_text(yaml.safe_dump(document, sort_keys=False, width=100), encoding="utf-8")


def make_portal(size: Size, root: Path, search: str = "pagefind") -> tuple[Path, list[Repo]]:
    """Write the repos (work tree + bare repo) and the portal's mkdocs.yml; returns it and the repos."""
    repos: list[Repo] = []
    per_repo = [size.pages // size.repos + (1 if i < size.pages % size.repos else 0) for i in range(size.repos)]
    operations = size.spec_operations()
    for i in range(size.repos):
        name = f"{SERVICES[i % len(SERVICES)].lower()}-{i:03d}"
        title = f"{SERVICES[i % len(SERVICES)]} {i}" + (" API" if i < size.specs else " guides")
        repo = Repo(name, title, root / "work" / name, root / "upstream" / f"{name}.git", _page_paths(i, per_repo[i]))
        if i < size.specs:
            repo.spec = f"openapi/{name}.{'json' if i % 2 else 'yaml'}"
            repo.operations = operations[i]
            repo.spec_seed = i + 1
        repos.append(repo)
    api_repos = [repo for repo in repos if repo.spec]
    for repo in repos:
        for index, path in enumerate(repo.pages):
            target = repo.work / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_page_text(repo, index, repos, api_repos), encoding="utf-8")
        if repo.spec:
            _write_spec(repo)
        git("init", "-q", "-b", "main", cwd=repo.work)
        git("add", "-A", cwd=repo.work)
        git("commit", "-q", "-m", "Initial docs", cwd=repo.work)
        if repo.spec:  # a spec with a history, as real ones have: its API changelog exists from the first build
            _write_spec(repo, revision=1)
            git("commit", "-q", "-am", "Revise the spec", cwd=repo.work)
        repo.bare.parent.mkdir(parents=True, exist_ok=True)
        git("clone", "-q", "--bare", str(repo.work), str(repo.bare), cwd=root)
        # Packed, as a hosted repo's objects are: a clone from a folder copies the commits' loose objects, which
        # the remote's git (a child process of the build here, whose CPU the build's figures include) would
        # otherwise decompress and compress again into a pack on every fetch.
        git("repack", "-a", "-d", "-q", cwd=repo.bare)
        git("remote", "add", "origin", str(repo.bare), cwd=repo.work)
    return _write_config(root / "portal", repos, search), repos


def _write_config(portal: Path, repos: list[Repo], search: str) -> Path:
    """The portal's mkdocs.yml: the example portal's theme and features, these repos as sources."""
    example = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    content = portal / "content" / "portal"
    content.mkdir(parents=True)
    (content / "index.md").write_text("# Northwind developers\n\nEvery API of the company.\n\n"
                                      "<!-- devportal:api-overview -->\n", encoding="utf-8")
    (content / "getting-started.md").write_text("# Getting started\n\n" + _sentence(1, 30) + "\n", encoding="utf-8")
    sources = []
    for repo in repos:
        source = {"name": repo.name, "repo": repo.bare.as_uri(), "web_url": f"https://github.com/{ORG}/{repo.name}",
                  "title": repo.title, "description": _sentence(len(repo.name), 10),
                  "pages": ["README.md", "docs/**/*.md"], "published_urls": [f"{PUBLISHED}/{repo.name}"]}
        if repo.spec:
            source["specs"] = [repo.spec]
        sources.append(source)
    theme = dict(example["theme"], custom_dir=str(ROOT / "templates" / "overrides"))
    config = {"site_name": "Northwind Developers", "site_url": "https://developer.northwind.example/",
              "docs_dir": "content/portal", "theme": theme, "extra_css": example.get("extra_css", []),
              "nav": [{"Home": "index.md"}, {"Getting started": "getting-started.md"}],
              "plugins": ["search", {"devportal": {"content_dir": "content/portal", "updates": {"enabled": False},
                                                   "search": search, "sources": sources}}]}
    path = portal / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def push_change(repo: Repo, what: str) -> None:
    """Commit and push one change upstream: a paragraph added to one page, or one spec revised."""
    if what == "page":
        path = repo.work / repo.pages[min(1, len(repo.pages) - 1)]
        path.write_text(path.read_text(encoding="utf-8") + "\n" + _sentence(99, 25) + "\n", encoding="utf-8")
    else:
        _write_spec(repo, revision=2)
    git("commit", "-q", "-am", f"Change one {what}", cwd=repo.work)
    git("push", "-q", "origin", "main", cwd=repo.work)


# --- measuring ----------------------------------------------------------------------------------------------

# Runs ``python -m MODULE ARGS`` with this checkout's ``generator`` first on the path, whatever is installed.
_FROM_CHECKOUT = """
import runpy, sys
root, module = sys.argv[1], sys.argv[2]
del sys.argv[1:3]
sys.path.insert(0, root)  # this checkout's generator/ (and through it its own templates/), whatever is installed
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def from_checkout(module: str, *args: str) -> list[str]:
    """The argv of ``python -m module args`` running this checkout's code."""
    return [sys.executable, "-c", _FROM_CHECKOUT, str(ROOT), module, *args]


class OverBudget(Exception):
    """A step was stopped because it ran past the time left in the budget."""


def run_measured(argv: list[str], cwd: Path, timeout: float,
                 steps: dict[str, tuple[float, float]] | None = None, cpu: int | None = None) -> tuple[float, float]:
    """CPU seconds (user + system of the command and every process it waited for) and wall seconds; into
    ``steps``, the (wall, CPU) seconds of each step the command's log timed (``time: ...`` lines). With ``cpu``,
    the command and every process it starts run on that CPU only."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True,
                            preexec_fn=None if cpu is None else lambda: os.sched_setaffinity(0, {cpu}),
                            # one build date for every build, so a rebuild with nothing changed can equal the last
                            env={"SOURCE_DATE_EPOCH": "1767225600", **os.environ, "PYTHONPATH": str(ROOT)})
    try:
        output, _ = proc.communicate(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise OverBudget(f"stopped after {time.perf_counter() - start:.0f} s, past the budget") from None
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[4:7])} failed ({proc.returncode}):\n{output[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if steps is not None:
        steps.update(step_times(output))
    return cpu, wall


class SetAside:
    """What the run is done with (a cold build's cache and site, a plain build's site, a size's portal), moved
    into ``folder`` and deleted when the run ends, rather than deleted at once (``folder`` None: at once).

    On this project's machine (ext4 without a journal) the kernel makes each new file skip, one by one, the
    inodes deleted in the last minute or more (``recently_deleted`` in its inode allocator). A cold build started
    right after the benchmark deleted the last one's cache and site (about 5,000 files at M) spent a fifth of its
    perf samples there, and its system CPU went from about 1 s to 7 s: a charge for the benchmark's own deletion,
    which fell on whichever build came next. Deleting nothing until the end gives every build timed the same
    file system, as a CI runner's fresh checkout has."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, path: Path) -> None:
        if not path.exists() and not path.is_symlink():
            return
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.count += 1
            try:
                path.rename(self.folder / f"{self.count}-{path.name}")
                return
            except OSError:
                pass  # another file system: deleted now
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def empty(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


DELETE_NOW = SetAside(None)
"""Deletes what it is given at once."""


def snapshot(site: Path) -> dict[str, tuple[int, int, str]]:
    """Every output file: (inode, mtime_ns, sha256), to tell rewritten files from changed ones."""
    files = {}
    for path in site.rglob("*"):
        if path.is_file():
            stat = path.stat()
            files[path.relative_to(site).as_posix()] = (stat.st_ino, stat.st_mtime_ns,
                                                        hashlib.sha256(path.read_bytes()).hexdigest())
    return files


def compare(before: dict, after: dict) -> tuple[int, int]:
    """(files rewritten: new, deleted or with a new inode or mtime; files whose bytes differ, new or deleted)."""
    names = before.keys() | after.keys()
    rewritten = sum(1 for n in names if n not in before or n not in after or before[n][:2] != after[n][:2])
    changed = sum(1 for n in names if n not in before or n not in after or before[n][2] != after[n][2])
    return rewritten, changed


class _PrimaryNav(HTMLParser):
    """Counts the items of Material's primary navigation (``li.md-nav__item``), not the page's table of contents."""

    def __init__(self) -> None:
        super().__init__()
        self.navs: list[str] = []
        self.items = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "nav":
            self.navs.append("toc" if "md-nav--secondary" in classes else
                             "primary" if "md-nav--primary" in classes else (self.navs[-1] if self.navs else ""))
        elif tag == "li" and "md-nav__item" in classes and self.navs and self.navs[-1] == "primary":
            self.items += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.navs:
            self.navs.pop()


def nav_items(html: str) -> int:
    parser = _PrimaryNav()
    parser.feed(html)
    return parser.items


def operation_queries(repo: Repo) -> dict[str, str]:
    """What a reader types to find one operation of ``repo``'s spec (its summary, operationId, method and
    path) → the anchor its result links to."""
    operations = [(path, method, op) for path, item in _spec_document(repo)["paths"].items()
                  for method, op in item.items() if isinstance(op, dict) and "operationId" in op]
    path, method, op = next((o for o in operations if "{" in o[0] and o[1] == "get"), operations[0])
    anchor = f"#operation/{op['operationId']}"
    return {op["summary"]: anchor, op["operationId"]: anchor, f"{method.upper()} {path}": anchor}


#: Put into the page the benchmark opens, with the query (``QUERY``, JSON): the time (the page's own clock,
#: milliseconds since it opened) of the frame after the one that showed the first search result for the whole
#: query. Playwright's wait for the result polls up to 0.5 s apart, so a clock read in Python when the wait returns
#: adds up to half a second to the figure. The portal's search box answers as one types and names the query its
#: results answer (``data-dp-answers``): the results of a part of the query typed so far do not count. Material's
#: (``--search lunr``) names none: its first results count.
FIRST_RESULT_CLOCK = """
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector(".md-search-result__list");
  const watch = new MutationObserver(() => {
    const answers = list && list.dataset.dpAnswers;
    if (document.querySelector(".md-search-result__item") && (answers === undefined || answers === QUERY)) {
      watch.disconnect();
      requestAnimationFrame(() => requestAnimationFrame(() => { window.__dpFirstResult = performance.now(); }));
    }
  });
  watch.observe(document.body, { childList: true, subtree: true, attributes: true,
                                 attributeFilter: ["data-dp-answers"] });
});
"""


def first_search_result(site: Path, page: str, query: str, timeout: float,
                        operations: dict[str, str] | None = None) -> tuple[float, float, int, int]:
    """Seconds from opening ``page`` in chromium to the first search result for ``query`` on screen, by the
    page's clock (:data:`FIRST_RESULT_CLOCK`) and as Playwright's wait for it saw it; the bytes of search index
    the browser downloaded until then; how many of ``operations``' queries (summary, operationId, path) had
    their operation in the first three results."""
    from playwright.sync_api import sync_playwright

    with serve_folder(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            tab = browser.new_page()
            tab.add_init_script(FIRST_RESULT_CLOCK.replace("QUERY", json.dumps(query)))
            loaded: list = []
            tab.on("requestfinished", lambda request: loaded.append(request)
                   if "/pagefind/" in request.url or "/search/" in request.url else None)
            start = time.perf_counter()
            tab.goto(f"{base}/{page}", wait_until="domcontentloaded")
            tab.click("label.md-search__icon, .md-search__input", timeout=timeout * 1000)
            tab.locator("input.md-search__input").type(query)
            tab.locator(".md-search-result__item").first.wait_for(state="visible", timeout=timeout * 1000)
            tab.wait_for_function("() => window.__dpFirstResult !== undefined", timeout=timeout * 1000)
            polled = time.perf_counter() - start  # the whole query's results, as Playwright's waits saw them
            seconds = tab.evaluate("window.__dpFirstResult") / 1000
            first_load = sum(request.sizes()["responseBodySize"] for request in list(loaded))
            found = 0
            for text, anchor in (operations or {}).items():
                box = tab.locator("input.md-search__input")
                box.fill("")
                box.type(text, delay=5)
                tab.wait_for_function("q => document.querySelector('input.md-search__input').value === q", arg=text)
                tab.wait_for_timeout(1500)  # the last keystroke's answer
                links = tab.eval_on_selector_all(".md-search-result__list a.md-search-result__link",
                                                 "links => links.slice(0, 3).map(a => a.href)")
                found += any(link.endswith(anchor) for link in links)
            return seconds, polled, first_load, found
        finally:
            browser.close()


def searches(site: Path, page: str, timeout: float,
             operations: dict[str, str]) -> tuple[list[float], list[float], int, int]:
    """:func:`first_search_result` in :data:`SEARCH_RUNS` fresh browsers (one run's time moves by a second on
    a loaded machine): every run's seconds by the page's clock and as Playwright saw them, and the first run's
    bytes and operations found."""
    runs = [first_search_result(site, page, "idempotency", timeout, operations)] + \
        [first_search_result(site, page, "idempotency", timeout) for _ in range(SEARCH_RUNS - 1)]
    return [run[0] for run in runs], [run[1] for run in runs], runs[0][2], runs[0][3]


# --- one size -----------------------------------------------------------------------------------------------

@dataclass
class Budget:
    seconds: float
    start: float = field(default_factory=time.perf_counter)

    def left(self) -> float:
        return self.seconds - (time.perf_counter() - self.start)


FIGURES = [  # key, label, unit
    ("content_pages", "Markdown pages", ""),
    ("content_operations", "API operations", ""),
    ("build_cpu", "cold devportal build, CPU s", "s"),
    ("build_wall", "cold devportal build, wall s", "s"),
    ("mkdocs_cpu", "plain mkdocs build of the staged tree, CPU s", "s"),
    ("mkdocs_wall", "plain mkdocs build of the staged tree, wall s", "s"),
    ("build_vs_mkdocs", "cold build / plain mkdocs, CPU", "x"),
    ("build_vs_mkdocs_wall", "cold build / plain mkdocs, wall", "x"),
    ("portal_work_cpu", "  of the cold build: fetch + stage, CPU s", "s"),
    ("portal_work_vs_mkdocs", "  fetch + stage / plain mkdocs, CPU", "x"),
    ("site_step_cpu", "  of the cold build: its MkDocs build + search index, CPU s", "s"),
    ("site_step_vs_mkdocs", "  its MkDocs build + search index / plain mkdocs, CPU", "x"),
    ("build_vs_mkdocs_median", "cold build / plain mkdocs, CPU, median of the pairs (--pairs)", "x"),
    ("build_vs_mkdocs_min", "  lowest pair", "x"),
    ("build_vs_mkdocs_max", "  highest pair", "x"),
    ("build_vs_mkdocs_wall_median", "cold build / plain mkdocs, wall, median of the pairs", "x"),
    ("portal_work_vs_mkdocs_median", "  fetch + stage / plain mkdocs, CPU, median of the pairs", "x"),
    ("site_step_vs_mkdocs_median", "  its MkDocs build + search index / plain mkdocs, CPU, median of the pairs", "x"),
    ("one_cpu_build_vs_mkdocs", "cold build / plain mkdocs, CPU, both on one CPU (median of --one-cpu pairs)", "x"),
    ("one_cpu_build_cpu", "  cold devportal build on one CPU, CPU s", "s"),
    ("one_cpu_build_wall", "  cold devportal build on one CPU, wall s", "s"),
    ("one_cpu_mkdocs_cpu", "  plain mkdocs build on one CPU, CPU s", "s"),
    ("one_cpu_mkdocs_wall", "  plain mkdocs build on one CPU, wall s", "s"),
    ("zensical_cpu", "Zensical build of the staged tree, CPU s", "s"),
    ("zensical_wall", "Zensical build of the staged tree, wall s", "s"),
    ("zensical_vs_mkdocs", "Zensical / plain mkdocs, CPU", "x"),
    ("site_bytes", "site size", "B"),
    ("html_pages", "HTML pages", ""),
    ("bytes_per_page", "bytes per HTML page", "B"),
    ("nav_items", "nav items on an API page", ""),
    ("search_index_bytes", "search index on disk", "B"),
    ("search_loaded_bytes", "search: bytes loaded to the first result", "B"),
    ("search_first_result_s", "first search result in chromium (median of runs), s", "s"),
    ("search_first_result_min_s", "  fastest run, s", "s"),
    ("search_first_result_max_s", "  slowest run, s", "s"),
    ("search_first_result_polled_s", "  as Playwright's wait saw it (median; it polls each frame), s", "s"),
    ("search_operations_found", "operation in first 3 (of 3 queries)", ""),
    ("output_files", "output files", ""),
    ("nochange_cpu_ratio", "rebuild, no change / cold, CPU", "x"),
    ("nochange_wall_ratio", "rebuild, no change / cold, wall", "x"),
    ("nochange_rewritten", "  files rewritten (mtime)", ""),
    ("nochange_changed", "  files changed (bytes)", ""),
    ("page_cpu_ratio", "rebuild, one page changed / cold, CPU (the first: it links a copy of the site)", "x"),
    ("page_wall_ratio", "rebuild, one page changed / cold, wall", "x"),
    ("page_rewritten", "  files rewritten (mtime)", ""),
    ("page_changed", "  files changed (bytes)", ""),
    ("page_cpu_ratio_median", "  median of the --pairs one-page rebuilds / median cold build, CPU", "x"),
    ("spec_cpu_ratio", "rebuild, one spec changed / cold, CPU", "x"),
    ("spec_wall_ratio", "rebuild, one spec changed / cold, wall", "x"),
    ("spec_rewritten", "  files rewritten (mtime)", ""),
    ("spec_changed", "  files changed (bytes)", ""),
    ("serve_save_s", "serve: a save served after, wall s", "s"),
    ("serve_save_cpu", "serve: a save's rebuild, CPU s", "s"),
    ("serve_builds_per_save", "serve: builds per save", ""),
]
RATIO_KEYS = ["build_cpu", "mkdocs_cpu", "zensical_cpu", "site_bytes", "html_pages", "bytes_per_page",
              "nav_items", "search_index_bytes", "search_loaded_bytes", "search_first_result_s", "output_files"]


class Planner:
    """Predicts each step's wall time from the sizes already measured, to skip what would not fit the budget."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.walls: dict[str, dict[str, float]] = {}  # size → step → wall seconds
        self.scale: dict[str, float] = {}  # size → content (pages + operations)

    def predict(self, size: str, step: str) -> float | None:
        known = [(self.scale[s], walls[step]) for s, walls in self.walls.items() if step in walls and s != size]
        if not known:
            return None
        if len(known) >= 2:
            (c1, w1), (c2, w2) = known[-2:]
            exponent = max(1.0, math.log(w2 / w1) / math.log(c2 / c1)) if w1 > 0 and c2 != c1 else 1.0
        else:
            exponent = 1.0
        content, wall = known[-1]
        return wall * (self.scale[size] / content) ** exponent

    def check(self, size: str, step: str) -> None:
        predicted = self.predict(size, step)
        if predicted is not None and predicted > self.budget.left():
            raise OverBudget(f"predicted {predicted:.0f} s from the smaller sizes, "
                             f"{max(self.budget.left(), 0):.0f} s left in the budget")

    def record(self, size: str, step: str, wall: float) -> None:
        self.walls.setdefault(size, {})[step] = wall


def cold_and_plain(build: list[str], plain: list[str], portal: Path, budget: Budget,
                   aside: SetAside = DELETE_NOW, cpu: int | None = None) -> dict[str, float]:
    """Another cold build of ``portal`` (its cache, clones, lock file and site put ``aside`` first) and, right
    after it, a plain build of the staged tree it left: CPU and wall seconds of each, and the cold build's steps;
    with ``cpu``, both run on that CPU only."""
    for path in (portal / ".devportal", portal / "site", portal / "devportal.lock"):
        aside(path)
    steps: dict[str, tuple[float, float]] = {}
    build_cpu, build_wall = run_measured(build, portal, budget.left(), steps, cpu)
    mkdocs_cpu, mkdocs_wall = run_measured(plain, portal, budget.left(), cpu=cpu)
    return {"build_cpu": build_cpu, "build_wall": build_wall, "mkdocs_cpu": mkdocs_cpu, "mkdocs_wall": mkdocs_wall,
            **step_cpus(steps)}


def step_cpus(steps: dict[str, tuple[float, float]]) -> dict[str, float]:
    """A cold build's CPU seconds of fetch + stage (the portal's own work) and of its site step, from its log;
    empty when the log did not time all three."""
    if not {"fetch", "stage", "site"} <= steps.keys():
        return {}
    return {"portal_work_cpu": steps["fetch"][1] + steps["stage"][1], "site_step_cpu": steps["site"][1]}


def pair_ratios(pairs: list[dict[str, float]]) -> dict[str, float]:
    """The median, lowest and highest of the pairs' cold / plain ratios (:func:`cold_and_plain`)."""
    cpu = [pair["build_cpu"] / pair["mkdocs_cpu"] for pair in pairs]
    return {"build_vs_mkdocs_median": statistics.median(cpu), "build_vs_mkdocs_min": min(cpu),
            "build_vs_mkdocs_max": max(cpu),
            "build_vs_mkdocs_wall_median": statistics.median(p["build_wall"] / p["mkdocs_wall"] for p in pairs),
            "portal_work_vs_mkdocs_median": statistics.median(p["portal_work_cpu"] / p["mkdocs_cpu"] for p in pairs),
            "site_step_vs_mkdocs_median": statistics.median(p["site_step_cpu"] / p["mkdocs_cpu"] for p in pairs)}


def one_cpu_figures(pairs: list[dict[str, float]]) -> dict[str, float]:
    """The medians of pairs of a cold and a plain build both run on one CPU (:func:`cold_and_plain`)."""
    return {"one_cpu_build_vs_mkdocs": statistics.median(p["build_cpu"] / p["mkdocs_cpu"] for p in pairs),
            **{f"one_cpu_{key}": statistics.median(p[key] for p in pairs)
               for key in ("build_cpu", "build_wall", "mkdocs_cpu", "mkdocs_wall")}}


def measure_size(size: Size, work: Path, planner: Planner, log, search: str = "pagefind", pairs: int = 1,
                 aside: SetAside = DELETE_NOW, one_cpu: int = 0) -> tuple[dict, dict[str, str]]:
    """Every figure of one size; the second value names each step that was skipped and why. ``pairs``: how
    many cold builds, each followed by a plain build, the ratio's median is taken over; ``one_cpu``: how many
    more such pairs run confined to one CPU; what is done with is put ``aside``."""
    figures: dict = {"content_pages": size.pages, "content_operations": sum(size.spec_operations())}
    skipped: dict[str, str] = {}
    planner.scale[size.name] = size.pages + sum(size.spec_operations())
    budget = planner.budget

    def step(name: str, action):
        try:
            planner.check(size.name, name)
            start = time.perf_counter()
            result = action()
            planner.record(size.name, name, time.perf_counter() - start)
            return result
        except OverBudget as exc:
            skipped[name] = str(exc)
            log(f"  {size.name}: skipped {name}: {exc}")
            return None

    log(f"{size.name}: {size.repos} repos, {size.pages} pages, {size.specs} specs "
        f"({figures['content_operations']} operations); {budget.left():.0f} s left")
    made = step("generate", lambda: make_portal(size, work, search))
    if made is None:
        return figures, skipped
    config, repos = made
    portal = config.parent
    site = portal / "site"
    log(f"  {size.name}: cold build")
    build = from_checkout("generator.cli", "build", "-f", str(config))
    steps: dict[str, tuple[float, float]] = {}
    cold = step("cold", lambda: run_measured(build, portal, budget.left(), steps))
    if cold is None:
        return figures, skipped
    figures["build_cpu"], figures["build_wall"] = cold
    figures.update(step_cpus(steps))

    stage_yml = portal / ".devportal" / "stage" / "mkdocs.yml"
    plain_site = work / "plain-site"
    log(f"  {size.name}: plain mkdocs build of the staged tree")
    plain_build = from_checkout("mkdocs", "build", "-q", "-f", str(stage_yml), "-d", str(plain_site))
    plain = step("mkdocs", lambda: run_measured(plain_build, portal, budget.left()))
    if plain:
        figures["mkdocs_cpu"], figures["mkdocs_wall"] = plain
        figures["build_vs_mkdocs"] = figures["build_cpu"] / figures["mkdocs_cpu"]
        figures["build_vs_mkdocs_wall"] = figures["build_wall"] / figures["mkdocs_wall"]
        if "portal_work_cpu" in figures:
            figures["portal_work_vs_mkdocs"] = figures["portal_work_cpu"] / figures["mkdocs_cpu"]
            figures["site_step_vs_mkdocs"] = figures["site_step_cpu"] / figures["mkdocs_cpu"]
        aside(plain_site)
    colds: list[float] = []  # the CPU seconds of every cold build, with --pairs
    if plain and "portal_work_cpu" in figures and pairs > 1:
        log(f"  {size.name}: {pairs - 1} more cold build(s), each followed by a plain build")
        first = {key: figures[key] for key in ("build_cpu", "build_wall", "mkdocs_cpu", "mkdocs_wall",
                                               "portal_work_cpu", "site_step_cpu")}

        def more_pairs() -> list[dict[str, float]]:
            done = []
            for number in range(2, pairs + 1):
                done.append(cold_and_plain(build, plain_build, portal, budget, aside))
                log(f"  {size.name}: pair {number}: cold {done[-1]['build_cpu']:.2f} CPU s, plain "
                    f"{done[-1]['mkdocs_cpu']:.2f} CPU s")
            return done

        log(f"  {size.name}: pair 1: cold {first['build_cpu']:.2f} CPU s, plain {first['mkdocs_cpu']:.2f} CPU s")
        more = step("pairs", more_pairs)
        aside(plain_site)
        if more:
            figures.update(pair_ratios([first, *more]))
            colds = [first["build_cpu"], *(pair["build_cpu"] for pair in more)]
    if plain and one_cpu:
        cpu = min(os.sched_getaffinity(0))
        log(f"  {size.name}: {one_cpu} cold build(s), each followed by a plain build, both on CPU {cpu} alone")
        alone = step("one-cpu", lambda: [cold_and_plain(build, plain_build, portal, budget, aside, cpu)
                                         for _ in range(one_cpu)])
        aside(plain_site)
        if alone:
            figures.update(one_cpu_figures(alone))
    if zensical_version():
        zensical_site = work / "zensical-site"
        log(f"  {size.name}: Zensical build of the staged tree")
        zensical = step("zensical", lambda: run_measured(from_checkout(
            "generator.stage.zensical_engine", "--clean", str(stage_yml), str(zensical_site)), portal, budget.left()))
        if zensical:
            figures["zensical_cpu"], figures["zensical_wall"] = zensical
            if figures.get("mkdocs_cpu"):
                figures["zensical_vs_mkdocs"] = figures["zensical_cpu"] / figures["mkdocs_cpu"]
            aside(zensical_site)

    html = [path for path in site.rglob("*.html")]
    before = snapshot(site)
    figures["site_bytes"] = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    figures["html_pages"] = len(html)
    figures["bytes_per_page"] = sum(path.stat().st_size for path in html) / len(html)
    figures["output_files"] = len(before)
    api_repo = next(repo for repo in repos if repo.spec)
    api_page = _api_page(site, api_repo)
    figures["nav_items"] = nav_items(api_page.read_text(encoding="utf-8"))
    index = site / "pagefind" if search == "pagefind" else site / "search" / "search_index.json"
    figures["search_index_bytes"] = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) \
        if index.is_dir() else index.stat().st_size

    if CHROMIUM.exists():
        log(f"  {size.name}: first search result in chromium ({SEARCH_RUNS} runs)")
        searched = step("search", lambda: searches(site, api_page.relative_to(site).parent.as_posix() + "/",
                                                   min(180.0, max(budget.left(), 1)), operation_queries(api_repo)))
        if searched is not None:
            times, polled, figures["search_loaded_bytes"], figures["search_operations_found"] = searched
            figures["search_first_result_s"] = statistics.median(times)
            figures["search_first_result_polled_s"] = statistics.median(polled)
            figures["search_first_result_min_s"], figures["search_first_result_max_s"] = min(times), max(times)
    else:
        skipped["search"] = f"{CHROMIUM} is not installed"

    page_cpus: list[float] = []  # the CPU seconds of the one-page rebuilds
    for what, change in (("nochange", None), ("page", "page"), ("spec", "spec")):
        if change:
            push_change(api_repo if change == "spec" else repos[-1], change)
        log(f"  {size.name}: rebuild ({what})")
        rebuilt = step(what, lambda: run_measured(build, portal, budget.left()))
        if rebuilt is None:
            continue
        figures[f"{what}_cpu_ratio"] = rebuilt[0] / figures["build_cpu"]
        figures[f"{what}_wall_ratio"] = rebuilt[1] / figures["build_wall"]
        after = snapshot(site)
        figures[f"{what}_rewritten"], figures[f"{what}_changed"] = compare(before, after)
        before = after
        if what == "page":
            page_cpus.append(rebuilt[0])

    if colds and page_cpus:
        def more_page_rebuilds() -> list[float]:
            cpus = []
            for _ in range(pairs - 1):
                push_change(repos[-1], "page")
                cpus.append(run_measured(build, portal, budget.left())[0])
            return cpus

        log(f"  {size.name}: {pairs - 1} more one-page rebuild(s)")
        more_pages = step("pages", more_page_rebuilds)
        if more_pages:
            figures["page_cpu_ratio_median"] = statistics.median([*page_cpus, *more_pages]) / statistics.median(colds)

    log(f"  {size.name}: a save under devportal serve")
    saved = step("serve", lambda: serve_save(config, portal / "content" / "portal" / "getting-started.md",
                                             "getting-started/", timeout=max(budget.left(), 1)))
    if saved is not None:
        figures["serve_save_s"], figures["serve_save_cpu"] = saved.wall, saved.cpu
        figures["serve_builds_per_save"] = saved.builds
    return figures, skipped


def _api_page(site: Path, repo: Repo) -> Path:
    """The first tag page of ``repo``'s API reference (the overview if it has no tag pages)."""
    root = site / repo.name / "api"
    overview = next(root.glob("*/index.html"))
    tags = sorted(p for p in overview.parent.glob("*/index.html") if p.parent.name not in ("all", "models"))
    return tags[0] if tags else overview


# --- the report ---------------------------------------------------------------------------------------------

def _format(value, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "B":
        for factor, suffix in ((2**20, "MB"), (2**10, "KB")):
            if value >= factor:
                return f"{value / factor:.1f} {suffix}"
        return f"{value:.0f} B"
    if unit == "s":
        return f"{value:.2f}"
    if unit == "x":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def ratios(results: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Each ratio key's value at every size over its value at the first size, with the content ratios."""
    names = list(results)
    first = results[names[0]]
    table: dict[str, dict[str, float]] = {}
    for key in ["content_pages", "content_operations", *RATIO_KEYS]:
        for name in names[1:]:
            value, base = results[name].get(key), first.get(key)
            if value is not None and base:
                table.setdefault(key, {})[name] = value / base
    return table


def report(results: dict[str, dict], skipped: dict[str, dict[str, str]]) -> str:
    names = list(results)
    labels = dict((key, label) for key, label, _ in FIGURES)
    width = max(len(label) for _, label, _ in FIGURES) + 2
    lines = [f"{'measure':{width}}" + "".join(f"{name:>12}" for name in names)]
    for key, label, unit in FIGURES:
        lines.append(f"{label:{width}}" + "".join(f"{_format(results[n].get(key), unit):>12}" for n in names))
    if len(names) > 1:
        table = ratios(results)
        lines += ["", f"ratios against {names[0]} (linear growth: the content ratio)",
                  f"{'measure':{width}}" + "".join(f"{name + '/' + names[0]:>12}" for name in names[1:])]
        for key in ["content_pages", "content_operations", *RATIO_KEYS]:
            row = table.get(key, {})
            label = labels[key].replace(", CPU s", " CPU").replace(", s", "")
            lines.append(f"{label:{width}}" + "".join(
                f"{row[n]:>11.2f}x" if n in row else f"{'–':>12}" for n in names[1:]))
    for name, steps in skipped.items():
        for step_name, reason in steps.items():
            lines.append(f"skipped at {name}: {step_name}: {reason}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M,L", help="sizes to measure, smallest first (default: S,M,L)")
    parser.add_argument("--tiny", action="store_true",
                        help="two very small sizes (XS: 2 repos/8 pages/1 spec, XS2: twice that), for CI smoke")
    parser.add_argument("--budget", type=float, default=900.0,
                        help="seconds for the whole run (default 900): steps predicted not to fit are skipped")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE as JSON")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate the portals in DIR and keep them")
    parser.add_argument("--search", choices=["pagefind", "lunr"], default="pagefind",
                        help="the portals' search engine (devportal's `search:` setting; default pagefind)")
    parser.add_argument("--pairs", type=int, default=1, metavar="N",
                        help="cold builds, each followed by a plain MkDocs build, whose cold / plain ratio's "
                             "median is reported, and as many one-page rebuilds, whose median is reported "
                             "against the cold builds' (default 1: the figures of the first of each only)")
    parser.add_argument("--one-cpu", type=int, default=0, metavar="N",
                        help="also N cold builds, each followed by a plain MkDocs build, both confined to one CPU, "
                             "and the median of their cold / plain ratios: the work each does, without the CPU "
                             "time of work done side by side (default 0: none)")
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    if args.one_cpu < 0 or (args.one_cpu and not hasattr(os, "sched_setaffinity")):
        parser.error("--one-cpu needs a count of 0 or more, and a platform that can confine a process to a CPU")
    if args.tiny:
        sizes = TINY
    else:
        unknown = [name for name in args.sizes.split(",") if name not in SIZES]
        if unknown:
            parser.error(f"unknown size {', '.join(unknown)}; choose from {', '.join(SIZES)}")
        sizes = [SIZES[name] for name in args.sizes.split(",")]

    def log(message: str) -> None:
        print(f"# {message}", file=sys.stderr, flush=True)

    # An installed devportal has its modules compiled (pip writes their .pyc files); a checkout run with
    # PYTHONDONTWRITEBYTECODE=1, as on this project's machine, would compile its ~75 modules in every build timed.
    compileall.compile_dir(ROOT / "generator", quiet=1)
    planner = Planner(Budget(args.budget))
    results: dict[str, dict] = {}
    skipped: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="devportal-scale-") as tmp:
        base = args.keep or Path(tmp)
        aside = SetAside(base / ".set-aside")
        for size in sizes:
            work = base / size.name
            aside(work)
            work.mkdir(parents=True)
            results[size.name], skipped[size.name] = measure_size(size, work, planner, log, args.search, args.pairs,
                                                                  aside, args.one_cpu)
            if not args.keep:
                aside(work)
        aside.empty()
    print(report(results, skipped))
    if args.json:
        args.json.write_text(json.dumps({"figures": results, "ratios": ratios(results) if len(results) > 1 else {},
                                         "skipped": skipped, "sizes": {s.name: s.__dict__ for s in sizes},
                                         "search": args.search},
                                        indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
