"""The technical-updates archive: one page per update, an archive by year and month, a page per tag,
RSS 2.0 and Atom feeds (whole archive and per tag), the latest updates on the home page and, on each API's
section, the updates tagged with that API.

Why not mkdocs-material's blog plugin: its archive groups by a single date format, it has no previous/
next links between posts, no feeds (that takes a second plugin, RSS only) and its pages exist only inside
an MkDocs build. Writing the archive as staged Markdown plus feeds made with ``feedgen`` meets every
requirement and builds the same with MkDocs or Zensical. Update pages go through the same page converter
as every other page, so their links are rewritten and checked like any other.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from markupsafe import Markup

from generator import urls
from generator.diagnostics import Diagnostic, error, info, warning
from generator.package_data import templates_dir
from generator.render.changelog import BreakingRelease, render_breaking
from generator.render.escaping import template_environment
from generator.render.pages import ConvertedPage, PagePlan, SiteIndex, SourcePages
from generator.render.pages.frontmatter import FrontMatter, split_front_matter
from generator.render.pages.segments import fenced_lines
from generator.render.pages.site_index import anchors_of, first_heading
from generator.render.staged_page import write_page
from generator.repo_files import DEFAULT_LIMITS, ContentLimits, SourceFileError, read_text
from generator.urls import relative_link

TEMPLATES = templates_dir() / "updates"
DATE_IN_NAME = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?(?:-(?P<rest>.*))?$")
SENT_IN = re.compile(r"sent in (?P<month>[A-Z][a-z]+) (?P<year>\d{4})")
MONTHS = {name: index for index, name in enumerate(calendar.month_name) if name}
#: Material's search weight of an update page and of the lists that repeat updates' titles and summaries
#: (archive, tag pages): news about an API must not outrank the API's guides and reference.
UPDATE_SEARCH = {"boost": 0.5}
LIST_SEARCH = {"boost": 0.2}


@dataclass
class Update:
    """One technical update, planned as a page of the portal."""

    plan: PagePlan
    date: dt.date
    title: str
    slug: str
    summary: str | None = None
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)

    @property
    def staged_path(self) -> str:
        return self.plan.staged_path


@dataclass
class UpdateSummary:
    """What lists and feeds show of an update."""

    title: str
    date: dt.date
    staged_path: str
    summary: str | None
    tags: list[str]


@dataclass
class UpdatesOutput:
    nav: list
    latest: list[UpdateSummary]
    by_api: dict[str, list[UpdateSummary]]
    feeds: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)


@lru_cache(maxsize=1)  # one environment a run: each would compile its templates again
def _templates() -> jinja2.Environment:
    return template_environment(TEMPLATES, output="markdown")


def tag_slug(text: str) -> str:
    """The URL segment of a tag or an update's title (``update`` when nothing of it is left)."""
    return urls.slug(text, "update")


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%SZ"):
            try:
                return dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None


def _date_of(front: FrontMatter, text: str, name: str, file: str) -> tuple[dt.date | None, Diagnostic | None]:
    """The update's date: front matter ``date``, else the file name, else "sent in <Month YYYY>"."""
    meta = front.raw
    if "date" in meta:
        parsed = _parse_date(meta["date"])
        if parsed:
            return parsed, None
        return None, error(file, f"`date: {meta['date']}` is not a date", code="update-date",
                           **front.positions.where("date"), hint="write it as `date: 2026-03-01` (YYYY-MM-DD)")
    match = DATE_IN_NAME.match(PurePosixPath(name).stem)
    if match:
        day = int(match.group("d") or 1)
        try:
            return dt.date(int(match.group("y")), int(match.group("m")), day), info(
                file, "no `date` in the front matter: the date was taken from the file name",
                code="update-date-inferred",
                hint="add `date: YYYY-MM-DD` to the front matter")
        except ValueError:
            pass
    sent = SENT_IN.search(text)
    if sent and sent.group("month") in MONTHS:
        return dt.date(int(sent.group("year")), MONTHS[sent.group("month")], 1), info(
            file, "no `date`: taken from the sentence \"sent in <Month YYYY>\"", code="update-date-inferred",
            hint="add `date: YYYY-MM-DD` to the front matter")
    return None, error(file, "the update has no date", code="update-date", line=1,
                       hint="add `date: YYYY-MM-DD` to the front matter")


def plan_updates(source: SourcePages, files: list[str], index: SiteIndex, *, url: str, api_names: set[str],
                 today: dt.date, limits: ContentLimits = DEFAULT_LIMITS) -> tuple[list[Update], list[Diagnostic]]:
    """Read every update file, give it its permanent URL (``<url>/YYYY/MM/<slug>/``) and register it."""
    problems: list[Diagnostic] = []
    updates: list[Update] = []
    seen: dict[str, str] = {}
    for repo_path in files:
        file = f"{source.name}/{repo_path}" if source.name else repo_path
        try:
            text = read_text(source.root / repo_path, max_bytes=limits.page_bytes, setting="page_mb")
        except SourceFileError as exc:
            problems.append(error(file, f"update left out: {exc}", code="page-refused", line=exc.line,
                                  hint=exc.hint))
            continue
        front = split_front_matter(text, file)
        problems.extend(front.problems)
        meta = front.raw
        date, date_problem = _date_of(front, text, repo_path, file)
        if date_problem:
            problems.append(date_problem)
        if date is None:
            continue
        if date > today:
            problems.append(warning(file, f"the update is dated in the future ({date.isoformat()})",
                                    code="update-future", **front.positions.where("date"),
                                    hint="fix the date, or merge the update on the day it is published"))
        body_lines = front.body.split("\n")
        title = (str(meta.get("title") or "") or first_heading(body_lines, fenced_lines(body_lines))
                 or PurePosixPath(repo_path).stem)
        stem = PurePosixPath(repo_path).stem
        named = DATE_IN_NAME.match(stem)
        slug = tag_slug(str(meta.get("slug") or (named.group("rest") if named and named.group("rest") else
                                                 (stem if not named else title))))
        staged = f"{url}/{date.year:04d}/{date.month:02d}/{slug}.md"
        if staged in seen:
            problems.append(error(file, f"this update and {seen[staged]} would both be published at "
                                        f"/{staged[:-3]}/", code="update-duplicate-slug",
                                  **front.positions.where("slug" if "slug" in meta else "title"),
                                  hint="give one of them another `slug:` (or title) in its front matter"))
            continue
        seen[staged] = file
        tags = [str(t) for t in (meta.get("tags") or []) if t is not None] if isinstance(meta.get("tags"),
                                                                                        list) else []
        for position, tag in enumerate(tags):
            problems.extend(_check_tag(tag, api_names, file, front.positions.where("tags", position)))
        authors = meta.get("authors") or []
        body_meta = {k: v for k, v in front.meta.items() if k not in ("date", "tags", "authors", "slug", "summary")}
        plan = PagePlan(source=source, repo_path=repo_path, staged_path=staged, text=text, body=front.body,
                        body_line=front.body_line, meta=body_meta, title=title)
        lines = front.body.split("\n")
        anchors, github = anchors_of(lines, fenced_lines(lines))
        index.add_page(staged, anchors, source=source.name, repo_path=repo_path, title=title)
        index.github_slugs[staged] = github
        updates.append(Update(plan=plan, date=date, title=title, slug=slug, tags=tags,
                              summary=str(meta["summary"]) if meta.get("summary") else None,
                              authors=[str(a) for a in authors] if isinstance(authors, list) else [str(authors)]))
    updates.sort(key=lambda u: (u.date, u.slug), reverse=True)
    index.add_page(f"{url}/index.md", {str(u.date.year) for u in updates}, title="Technical updates")
    for tag in {tag for update in updates for tag in update.tags}:
        index.add_page(f"{url}/tags/{tag_slug(tag)}.md", title=f"Updates tagged {tag}")
    return updates, problems


def _check_tag(tag: str, api_names: set[str], file: str, where: dict[str, int]) -> list[Diagnostic]:
    """``api:<name>`` must name an API of the portal; a plain tag close to an API name is likely a typo."""
    if tag.startswith("api:"):
        name = tag[4:]
        if name not in api_names:
            close = difflib.get_close_matches(name, sorted(api_names), n=1)
            return [error(file, f"tag `{tag}` names an API that is not in the portal", code="update-unknown-api",
                          **where, hint=f"did you mean `api:{close[0]}`?" if close else
                          f"APIs of the portal: {', '.join(sorted(api_names))}")]
        return []
    if tag not in api_names:
        close = difflib.get_close_matches(tag, sorted(api_names), n=1, cutoff=0.8)
        if close:
            return [warning(file, f"tag `{tag}` looks like the API `{close[0]}` but does not name it",
                            code="update-unknown-api", **where, hint=f"did you mean `{close[0]}`?")]
    return []


def api_of(tag: str, api_names: set[str]) -> str | None:
    name = tag[4:] if tag.startswith("api:") else tag
    return name if name in api_names else None


def summarize(update: Update) -> UpdateSummary:
    return UpdateSummary(title=update.title, date=update.date, staged_path=update.staged_path,
                         summary=update.summary, tags=update.tags)


def render_latest(updates: list[UpdateSummary], *, from_page: str) -> str:
    """A Markdown list of updates (title, date, summary) linked relative to ``from_page``."""
    items = [{"title": u.title, "date": u.date, "link": relative_link(from_page, u.staged_path), "summary": u.summary}
             for u in updates]
    return _templates().get_template("latest.md.j2").render(items=items)


def write_archive(updates: list[Update], pages: dict[str, ConvertedPage], docs_dir: Path, *, url: str,
                  site_url: str | None, site_name: str, api_names: set[str],
                  page_meta: dict[str, dict[str, Any]] | None = None, use_directory_urls: bool = True,
                  breaking: list[BreakingRelease] = ()) -> UpdatesOutput:
    """Write the update pages (with previous/next links), archive, tag pages and feeds; the archive also
    lists ``breaking``, the APIs' releases with a breaking change (from their changelogs)."""
    env = _templates()
    problems: list[Diagnostic] = []
    index_page = f"{url}/index.md"
    for position, update in enumerate(updates):
        page = pages[update.staged_path]
        newer = updates[position - 1] if position > 0 else None
        older = updates[position + 1] if position + 1 < len(updates) else None
        footer = env.get_template("post-footer.md.j2").render(
            update=update, archive=relative_link(update.staged_path, index_page),
            tags=[(tag, relative_link(update.staged_path, f"{url}/tags/{tag_slug(tag)}.md")) for tag in update.tags],
            newer=newer and {"title": newer.title, "link": relative_link(update.staged_path, newer.staged_path)},
            older=older and {"title": older.title, "link": relative_link(update.staged_path, older.staged_path)})
        header = env.get_template("post-header.md.j2").render(update=update)
        meta = {"search": UPDATE_SEARCH, **page.meta, **(page_meta or {}).get(update.staged_path, {}),
                "title": update.title, "date": update.date.isoformat(), "tags": update.tags}
        if update.summary:
            meta["description"] = update.summary
        write_page(docs_dir / update.staged_path, meta, header + page.markdown.rstrip() + "\n" + footer)
    by_month: dict[int, dict[int, list[Update]]] = defaultdict(lambda: defaultdict(list))
    for update in updates:
        by_month[update.date.year][update.date.month].append(update)
    years = [(year, [(calendar.month_name[month], [_entry(u, index_page) for u in items])
                     for month, items in sorted(months.items(), reverse=True)])
             for year, months in sorted(by_month.items(), reverse=True)]
    tags = sorted({tag for update in updates for tag in update.tags})
    write_page(docs_dir / index_page, {"title": "Technical updates", "search": LIST_SEARCH},
               env.get_template("archive.md.j2").render(
        years=years, tags=[(t, f"tags/{tag_slug(t)}.md") for t in tags], feeds=True,
        breaking=Markup(render_breaking(sorted(breaking, key=lambda item: item.date or dt.date.min, reverse=True),
                                        from_page=index_page))))
    nav = [{"Technical updates": [index_page] + [
        {str(year): [{u.title: u.staged_path} for u in sorted((u for u in updates if u.date.year == year),
                                                               key=lambda u: u.date, reverse=True)]}
        for year, _ in years] + ([{"Tags": [f"{url}/tags/{tag_slug(t)}.md" for t in tags]}] if tags else [])}]
    for tag in tags:
        tagged = [u for u in updates if tag in u.tags]
        path = f"{url}/tags/{tag_slug(tag)}.md"
        # The tag's own feeds, advertised in the page's <head> (templates/overrides/main.html).
        tag_feeds = {"title": f"{site_name}: updates tagged {tag}", "rss": f"{url}/tags/{tag_slug(tag)}.xml",
                     "atom": f"{url}/tags/{tag_slug(tag)}.atom.xml"}
        write_page(docs_dir / path, {"title": f"Updates tagged {tag}", "feeds": tag_feeds, "search": LIST_SEARCH},
                   env.get_template("tag.md.j2").render(
            tag=tag, entries=[_entry(u, path) for u in tagged], archive=relative_link(path, index_page),
            feed=f"{tag_slug(tag)}.xml", atom=f"{tag_slug(tag)}.atom.xml"))
    feeds = _write_feeds(updates, tags, docs_dir, url=url, site_url=site_url, site_name=site_name,
                         problems=problems, use_directory_urls=use_directory_urls)
    by_api: dict[str, list[UpdateSummary]] = defaultdict(list)
    for update in updates:
        for tag in update.tags:
            name = api_of(tag, api_names)
            if name:
                by_api[name].append(summarize(update))
    return UpdatesOutput(nav=nav, latest=[summarize(u) for u in updates], by_api=dict(by_api),
                         feeds=feeds, diagnostics=problems)


def _entry(update: Update, from_page: str) -> dict[str, Any]:
    return {"title": update.title, "date": update.date, "link": relative_link(from_page, update.staged_path),
            "summary": update.summary, "tags": update.tags}


def _absolute_url(site_url: str, staged_path: str, use_directory_urls: bool) -> str:
    path = urls.page_url(staged_path, use_directory_urls=use_directory_urls).removeprefix("./")
    return site_url.rstrip("/") + "/" + path


def _write_feeds(updates: list[Update], tags: list[str], docs_dir: Path, *, url: str, site_url: str | None,
                 site_name: str, problems: list[Diagnostic], use_directory_urls: bool) -> list[str]:
    """RSS 2.0 and Atom of the whole archive and of each tag (absolute links need ``site_url``)."""
    from feedgen.feed import FeedGenerator  # with lxml, 8-12 ms of imports a build writing no feed skips

    if not site_url:
        problems.append(warning("mkdocs.yml", "no `site_url`: the feeds' links cannot be absolute and readers may "
                                "not follow them", code="updates-feed-url", hint="set `site_url:` in mkdocs.yml"))
        site_url = "/"
    written = []
    for name, subset, title in [("feed", updates, f"{site_name}: technical updates")] + [
            (f"tags/{tag_slug(tag)}", [u for u in updates if tag in u.tags], f"{site_name}: updates tagged {tag}")
            for tag in tags]:
        generator = FeedGenerator()
        archive_url = _absolute_url(site_url, f"{url}/index.md", use_directory_urls)
        page_url = _absolute_url(site_url, f"{url}/{name}.md", use_directory_urls) if name != "feed" else archive_url
        feed_url = site_url.rstrip("/") + f"/{url}/{name}"
        generator.id(archive_url + (name if name != "feed" else ""))
        generator.title(title)
        generator.description(title)
        generator.language("en")
        # The feed changes when an update does, not on every build: deterministic output, no rebuild loop.
        newest = max((u.date for u in subset), default=dt.date(1970, 1, 1))
        stamp = dt.datetime.combine(newest, dt.time(8, 0), tzinfo=dt.timezone.utc)
        generator.updated(stamp)
        generator.lastBuildDate(stamp)
        for update in reversed(subset[:50]):  # feedgen prepends: add oldest first
            entry = generator.add_entry()
            link = _absolute_url(site_url, update.staged_path, use_directory_urls)
            entry.id(link)
            entry.title(update.title)
            entry.link(href=link)
            published = dt.datetime.combine(update.date, dt.time(8, 0), tzinfo=dt.timezone.utc)
            entry.published(published)
            entry.updated(published)
            entry.description(update.summary or update.title)
            for author in update.authors:
                entry.author({"name": author})
            for tag in update.tags:
                entry.category(term=tag)
        target = docs_dir / url / f"{name}.xml"
        target.parent.mkdir(parents=True, exist_ok=True)
        # feedgen makes the last link the RSS <link> (the page a reader opens) and the "self" link each
        # file's own URL: set them per format, the page last.
        generator.link([{"href": f"{feed_url}.xml", "rel": "self"}, {"href": page_url, "rel": "alternate"}],
                       replace=True)
        generator.rss_file(str(target), pretty=True)
        generator.link([{"href": f"{feed_url}.atom.xml", "rel": "self"}, {"href": page_url, "rel": "alternate"}],
                       replace=True)
        generator.atom_file(str(docs_dir / url / f"{name}.atom.xml"), pretty=True)
        written += [f"{url}/{name}.xml", f"{url}/{name}.atom.xml"]
    return written


def scaffold_update(directory: Path, title: str, today: dt.date) -> Path:
    """``devportal updates new "Title"``: a new update file dated today, with every front matter field."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{today.isoformat()}-{tag_slug(title)}.md"
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    path.write_text(_templates().get_template("new-update.md.j2").render(title=title, date=today.isoformat()),
                    encoding="utf-8")
    return path
