"""The changelog page of an API, its RSS 2.0 and Atom feeds, and the lines announcing breaking releases."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from generator import urls
from generator.package_data import templates_dir
from generator.render.changelog.model import UNRELEASED, Changelog, Entry, Release
from generator.render.escaping import template_environment
from generator.render.staged_page import write_page
from generator.urls import relative_link
from generator.validate.diff import Change

TEMPLATES = templates_dir() / "changelog"
#: Feed entries: the newest ones, as in the updates archive's feeds.
FEED_ENTRIES = 50
#: Material's search weight of a changelog: it repeats the reference's operation names.
CHANGELOG_SEARCH = {"boost": 0.3}


@dataclass(frozen=True)
class BreakingRelease:
    """A release of an API with a breaking change, as announced in the archive and on the API's section."""

    api: str  # the API's title
    label: str
    date: dt.date | None
    page: str  # staged path of the changelog page
    anchor: str

    @property
    def title(self) -> str:
        name = "unreleased changes" if self.label == UNRELEASED else self.label
        return f"{self.api} {name}: breaking changes"


@dataclass(frozen=True)
class ChangelogPage:
    """Where an API's changelog is staged, and what it is about."""

    path: str  # staged path of the page, e.g. "payments/api/openapi/changelog.md"
    title: str  # the API's title
    reference: str  # staged path of the reference's overview
    from_history: bool = True
    limit: int | None = None  # the history's cap, when the history was cut by it

    @property
    def feeds(self) -> tuple[str, str]:
        """Staged paths of its RSS and Atom feeds."""
        base = self.path.removesuffix(".md")
        return f"{base}.xml", f"{base}.atom.xml"


@lru_cache(maxsize=1)  # one environment a run: each would compile its templates again
def _templates() -> jinja2.Environment:
    return template_environment(TEMPLATES, output="markdown")


def release_anchor(release: Release) -> str:
    return "release-" + urls.slug(release.label, "release")


def release_date(release: Release) -> dt.date | None:
    """A release's date: its tag's or version's, else (unreleased) the date of its newest entry."""
    return release.date or next((entry.revision.date for entry in release.entries if entry.revision.date), None)


def write_changelog(changelog: Changelog, page: ChangelogPage, docs_dir: Path, *, site_url: str | None,
                    site_name: str, use_directory_urls: bool = True) -> list[BreakingRelease]:
    """Write the changelog page and its feeds (``changelog.xml``, ``changelog.atom.xml`` beside it); return
    the releases with a breaking change, newest first."""
    rss, atom = page.feeds
    feeds = {"title": f"{site_name}: {page.title} changelog".lstrip(": "), "rss": rss, "atom": atom}
    first = changelog.entries[-1] if changelog.entries else None
    releases = [{"label": release.label, "date": release_date(release), "breaking": release.breaking,
                 "anchor": Markup(release_anchor(release)),
                 "entries": [_entry(entry, page, first=entry is first) for entry in release.entries]}
                for release in changelog.releases]
    markdown = _templates().get_template("changelog.md.j2").render(
        title=page.title, releases=releases, from_history=page.from_history,
        reference=relative_link(page.path, page.reference), rss=relative_link(page.path, feeds["rss"]),
        atom=relative_link(page.path, feeds["atom"]), truncated=page.limit is not None, limit=page.limit)
    write_page(docs_dir / page.path, {"title": f"Changelog: {page.title}", "feeds": feeds,
                                      "search": CHANGELOG_SEARCH}, markdown)
    _write_feeds(changelog, page, docs_dir, feeds, site_url=site_url, use_directory_urls=use_directory_urls)
    return [BreakingRelease(api=page.title, label=release.label, date=release_date(release), page=page.path,
                            anchor=release_anchor(release))
            for release in changelog.releases if release.breaking]


def _entry(entry: Entry, page: ChangelogPage, *, first: bool) -> dict[str, Any]:
    revision = entry.revision
    title = f"Version {revision.label}" if revision.commit is None else f"Commit {revision.label}"
    problem = None
    if entry.problem:
        where = f" ({entry.problem.file}" + (f", line {entry.problem.line}" if entry.problem.line else "") + ")"
        problem = entry.problem.message + where
    return {"title": title, "date": revision.date, "anchor": Markup(entry.anchor), "subject": revision.subject,
            "problem": problem, "first": first and entry.previous is None and not entry.problem,
            "since": entry.previous.label if entry.previous else None, "breaking": len(entry.breaking),
            "changes": [_change(change, entry, page) for change in entry.changes]}


def _change(change: Change, entry: Entry, page: ChangelogPage) -> dict[str, Any]:
    """A change with the link to its operation: in the reference of the revision that has it (the older one
    for an operation removed)."""
    link = None
    for revision in (entry.revision, entry.previous):
        where = revision.endpoints.get(change.operation or "") if revision else None
        if where:
            link = relative_link(page.path, where[0]) + "#" + where[1]
            break
    return {"operation": change.operation, "breaking": change.breaking, "link": link,
            "parts": _message_parts(change.message)}


def _message_parts(message: str) -> list[dict[str, Any]]:
    """A change's message as text and code parts (its `backquoted` names), with the spaces around code that
    the Markdown template would otherwise lose (it writes each text part on one line, trimmed)."""
    pieces = message.split("`")
    parts = []
    for index, text in enumerate(pieces):
        if not text:
            continue
        code = index % 2 == 1
        before = pieces[index - 1] if index else ""
        after = pieces[index + 1] if index + 1 < len(pieces) else ""
        parts.append({"text": text, "code": code, "space_before": code and before.endswith(" "),
                      "space_after": code and after.startswith(" ")})
    return parts


def _absolute(site_url: str, staged_path: str, use_directory_urls: bool) -> str:
    return site_url.rstrip("/") + "/" + urls.page_url(staged_path, use_directory_urls=use_directory_urls) \
        .removeprefix("./")


def _write_feeds(changelog: Changelog, page: ChangelogPage, docs_dir: Path, feeds: dict[str, str], *,
                 site_url: str | None, use_directory_urls: bool) -> None:
    """RSS 2.0 and Atom: one item per entry, newest :data:`FEED_ENTRIES`, dated by the entry (not the build)."""
    from feedgen.feed import FeedGenerator  # with lxml, 8-12 ms of imports a build writing no feed skips

    site_url = site_url or "/"
    page_url = _absolute(site_url, page.path, use_directory_urls)
    generator = FeedGenerator()
    generator.id(page_url)
    generator.title(feeds["title"])
    generator.description(f"What changed in {page.title}, breaking changes marked")
    generator.language("en")
    items = [(release, entry) for release in changelog.releases for entry in release.entries][:FEED_ENTRIES]
    newest = max((entry.revision.date for _, entry in items if entry.revision.date), default=dt.date(1970, 1, 1))
    stamp = dt.datetime.combine(newest, dt.time(8, 0), tzinfo=dt.timezone.utc)
    generator.updated(stamp)
    generator.lastBuildDate(stamp)
    for release, entry in reversed(items):  # feedgen prepends: oldest first
        item = generator.add_entry()
        link = f"{page_url}#{entry.anchor}"
        revision = entry.revision
        breaking = len(entry.breaking)
        title = f"{'Version' if revision.commit is None else 'Commit'} {revision.label}"
        if release.label != revision.label:
            title = f"{release.label}: {title}"
        item.id(link)
        item.title(title + (f" ({breaking} breaking)" if breaking else ""))
        item.link(href=link)
        published = dt.datetime.combine(revision.date or newest, dt.time(8, 0), tzinfo=dt.timezone.utc)
        item.published(published)
        item.updated(published)
        lines = [f"{'BREAKING ' if change.breaking else ''}{change.operation or 'API'}: "
                 f"{re.sub('`', '', change.message)}" for change in entry.changes]
        summary = revision.subject or ""
        if entry.problem:
            lines = [f"not compared: {entry.problem.message}"]
        item.description("\n".join(filter(None, [summary, *lines])) or title)
        if breaking:
            item.category(term="breaking")
    target = docs_dir / feeds["rss"]
    target.parent.mkdir(parents=True, exist_ok=True)
    feed_url = site_url.rstrip("/") + "/"
    generator.link([{"href": feed_url + feeds["rss"], "rel": "self"}, {"href": page_url, "rel": "alternate"}],
                   replace=True)
    generator.rss_file(str(target), pretty=True)
    generator.link([{"href": feed_url + feeds["atom"], "rel": "self"}, {"href": page_url, "rel": "alternate"}],
                   replace=True)
    generator.atom_file(str(docs_dir / feeds["atom"]), pretty=True)


def render_breaking(items: list[BreakingRelease], *, from_page: str) -> str:
    """Markdown lines, one per release with a breaking change, linked to its changelog entry."""
    return _templates().get_template("breaking.md.j2").render(items=[
        {"title": item.title, "date": item.date, "link": relative_link(from_page, item.page) + "#" + item.anchor}
        for item in items])
