"""Judges nobody here wrote, for what a reader gets: openapi-spec-validator on a downloaded spec read as a
file of its own, and the shared crawler (../shared/tools/site_integrity.py) on a built site, with a crawler
of the same rules for a checkout without ../shared."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from tests.helpers import REPO_ROOT

SITE_INTEGRITY = REPO_ROOT.parent / "shared" / "tools" / "site_integrity.py"


def _refuse(uri: str):
    raise ValueError(f"not followed: {uri}")


def spec_errors(document: dict, uri: str, folder: Path) -> list[str]:
    """openapi-spec-validator's complaints about ``document`` (read from ``uri``): its ``$ref``s may read
    files inside ``folder`` only, never the network. A reference that cannot be followed is one complaint."""
    from generator.validate.spec_files import parse_text

    def read(target: str):
        path = Path(unquote(urlsplit(target).path)).resolve()
        path.relative_to(folder.resolve())
        return parse_text(path.read_text(encoding="utf-8"), path.name)

    if "swagger" in document:
        cls = OpenAPIV2SpecValidator
    elif str(document.get("openapi", "")).startswith("3.1"):
        cls = OpenAPIV31SpecValidator
    else:
        cls = OpenAPIV30SpecValidator
    handlers = {"file": read, "http": _refuse, "https": _refuse, "<all_urls>": _refuse}
    validator = cls(SchemaPath.from_dict(document, base_uri=uri, handlers=handlers))
    try:
        return [f"{error.validator}: {error.message}" for error in validator.iter_errors()]
    except Exception as exc:  # noqa: BLE001 - an unresolvable $ref is raised, not yielded
        return [f"{type(exc).__name__}: {exc}"]


def standalone_spec_errors(download: Path, tmp: Path) -> list[str]:
    """The complaints about a downloaded spec copied alone into an empty folder: nothing beside it to lean on."""
    alone = tmp / "alone" / download.name
    alone.parent.mkdir(parents=True, exist_ok=True)
    alone.write_bytes(download.read_bytes())
    from generator.validate.spec_files import parse_text

    return spec_errors(parse_text(alone.read_text(encoding="utf-8"), alone.name), alone.resolve().as_uri(),
                       alone.parent)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.ids.add(attributes["name"])
        if tag == "a" and attributes.get("href") is not None:
            self.links.append(attributes["href"])


def crawl(site: Path) -> tuple[str, list[str]]:
    """The shared crawler's rules, for a checkout without ../shared: internal links reach a file, and a
    fragment without '/' (those are Redoc-style, resolved by script) an id on that page; downloadable specs
    are judged by :func:`standalone_spec_errors` elsewhere. Returns the summary line and the problems."""
    site = site.resolve()
    parsed: dict[Path, _Page] = {}

    def parse(path: Path) -> _Page:
        if path not in parsed:
            parsed[path] = _Page()
            parsed[path].feed(path.read_text(errors="ignore"))
        return parsed[path]

    pages = list(site.rglob("*.html"))
    links, problems, broken, anchors = 0, [], 0, 0
    for page in pages:
        for href in parse(page).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            links += 1
            path = unquote(parts.path)
            target = page if not path else ((site / path.lstrip("/")) if path.startswith("/") else page.parent / path)
            target = target.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken += 1
                problems.append(f"{page.relative_to(site)} -> {href}")
                continue
            fragment = unquote(parts.fragment)
            if fragment and "/" not in fragment and target.suffix == ".html" and fragment not in parse(target).ids:
                anchors += 1
                problems.append(f"{page.relative_to(site)} -> {href} (anchor)")
    return f"pages={len(pages)} links={links} broken_links={broken} broken_anchors={anchors}", problems


def site_integrity(site: Path) -> tuple[int, str]:
    """(exit code, output) of the shared crawler on ``site``, or of :func:`crawl` where ../shared is absent."""
    if SITE_INTEGRITY.is_file():
        result = subprocess.run([sys.executable, str(SITE_INTEGRITY), str(site)], capture_output=True, text=True,
                                timeout=300)
        return result.returncode, result.stdout + result.stderr
    summary, problems = crawl(site)
    return (1 if problems else 0), "\n".join([*problems[:40], summary])



_PORTAL_HEADER = re.compile(r" -> (\.\./)*/?(lifecycle|status|help|updates)/$")


def site_problems_beyond_the_portal_header(site: Path) -> tuple[str, list[str]]:
    """The shared crawler's summary, and every problem the crawl finds but the theme header's links to the
    portal's own pages (lifecycle, status, help, updates), which a small test portal or a standalone
    reference does not have. (The shared crawler prints 40 problems at most, :func:`crawl` all of them.)"""
    _, output = site_integrity(site)
    _, problems = crawl(site)
    summary = next(line for line in output.splitlines() if line.startswith("pages="))
    return summary, [p for p in problems if not _PORTAL_HEADER.search(p)]
