"""Markdown pages from a repo → staged Markdown for Material, in two passes.

``plan_source`` (pass 1) decides every page's staged path and registers its anchors in the
:class:`SiteIndex`; ``convert_page`` (pass 2) rewrites and checks links against the whole index, then
turns Docusaurus/GitHub constructs into Material ones and defuses raw HTML from untrusted repos.
Diagnostics carry the line numbers of the original file.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from generator.diagnostics import Diagnostic, Diagnostics, Severity, error, warning
from generator.heap import collections_spaced
from generator.positions import Positions
from generator.render.pages import code_blocks, docusaurus, gfm, mdx
from generator.render.pages.frontmatter import split_front_matter
from generator.render.pages.headings import with_heading_ids
from generator.render.pages.links import LinkContext, rewrite_links
from generator.render.pages.sanitize import sanitize_html
from generator.render.pages.segments import fenced_blocks, fenced_lines, lines_in, longest_paragraph
from generator.render.pages.site_index import SiteIndex, SourcePages, anchors_of, first_heading
from generator.repo_files import DEFAULT_LIMITS, ContentLimits, SourceFileError, is_inside, read_text
from generator.urls import relative_link

MAX_PARAGRAPH_CHARS = 64 * 1024
#: Fenced code blocks a page may have: MkDocs highlights each on its own (pymdownx.highlight sets up Pygments
#: for every block, about a millisecond), so 5 MB of tiny blocks would take minutes; real pages have hundreds.
MAX_CODE_BLOCKS = 20_000
REFUSED_PAGE = "This page could not be published: the build reported why. Please read it in its repository.\n"

__all__ = ["ConvertedPage", "PagePlan", "SiteIndex", "SourcePages", "convert_page", "plan_source"]


@dataclass
class PagePlan:
    """A page of a source, read and placed (pass 1)."""

    source: SourcePages
    repo_path: str
    staged_path: str
    text: str  # the file as written
    body: str
    body_line: int
    meta: dict[str, Any]
    title: str | None
    problems: list[Diagnostic] = field(default_factory=list)
    source_limits: ContentLimits = DEFAULT_LIMITS
    meta_positions: Positions = field(default_factory=lambda: Positions(""))  # front matter key → line

    @property
    def file(self) -> str:
        return f"{self.source.name}/{self.repo_path}" if self.source.name else self.repo_path


@dataclass
class ConvertedPage:
    """A page ready to be written into the staged tree (pass 2)."""

    staged_path: str
    repo_path: str
    markdown: str
    meta: dict[str, Any]
    title: str | None
    diagnostics: list[Diagnostic]
    assets: list[str]  # repo files the page references (images...), to copy beside it


#: Front matter the portal writes itself (the edit and issue links, the source) or that picks the theme's
#: template or what it includes (Material's ``redirect.html`` runs ``location`` as a script URL): an
#: untrusted page's own values are dropped.
PORTAL_KEYS = {"template", "fragment", "edit_url", "issue_url", "source", "source_file", "source_title",
               "api_reference"}


def staged_path_of(source: str, repo_path: str, siblings: set[str]) -> str:
    """``README.md`` is its folder's index page unless an ``index.md`` sits beside it."""
    path = PurePosixPath(repo_path)
    if path.name.lower() == "readme.md" and str(path.with_name("index.md")) not in siblings:
        path = path.with_name("index.md")
    return f"{source}/{path}" if source else str(path)


def _title(lines: list[str], code: list[bool], meta: dict[str, Any]) -> str | None:
    if meta.get("title"):
        return str(meta["title"])
    return first_heading(lines, code)


def plan_source(source: SourcePages, index: SiteIndex, *, limits: ContentLimits = DEFAULT_LIMITS,
                problems: list[Diagnostic] | Diagnostics | None = None) -> list[PagePlan]:
    """Read every page of ``source``, give it a staged path and register it (with anchors) in ``index``.

    A page that cannot be read safely (over ``limits.page_bytes``, binary, not UTF-8) is left out, with an
    error added to ``problems``."""
    index.add_source(source)
    plans = []
    siblings = set(source.files)
    for repo_path in source.files:
        if source.name and any(part.startswith("_") for part in PurePosixPath(repo_path).parts):
            continue  # a partial (``_shared.md``) or a folder of them: Docusaurus never publishes these
        file = f"{source.name}/{repo_path}" if source.name else repo_path
        try:
            text = read_text(source.root / repo_path, max_bytes=limits.page_bytes, setting="page_mb")
        except SourceFileError as exc:
            if problems is not None:
                problems.extend([error(file, f"page left out: {exc}", code="page-refused", line=exc.line,
                                       hint=exc.hint)])
            continue
        front = split_front_matter(text, file)
        body = mdx.drop_comments(docusaurus.unwrap_site_only(docusaurus.drop_github_only(front.body)))
        if front.raw.get("draft") is True:
            continue
        head = mdx.page_head(body)
        body, meta = head.text, _with_head(front.meta, head, body)
        staged = staged_path_of(source.name, repo_path, siblings)
        lines = body.split("\n")
        code = fenced_lines(lines)
        plan = PagePlan(source=source, repo_path=repo_path, staged_path=staged, text=text, body=body,
                        body_line=front.body_line, meta=meta, title=_title(lines, code, meta),
                        problems=list(front.problems) + _head_problems(head, file, front.body_line),
                        source_limits=limits, meta_positions=front.positions)
        anchors, github = anchors_of(lines, code, github=bool(source.name))
        index.add_page(staged, anchors, source=source.name, repo_path=repo_path, title=plan.title)
        index.github_slugs[staged] = github
        index.add_routes(source.name, repo_path, staged, doc_id=_text(front.raw.get("id")),
                         slug=_text(front.raw.get("slug")))
        plans.append(plan)
    return plans


def _with_head(meta: dict[str, Any], head: mdx.PageHead, body: str) -> dict[str, Any]:
    """The front matter with the ``<head>``'s title and description, as Docusaurus uses them: the title is
    the browser tab's, while the navigation keeps the page's own name (``sidebar_label``, front matter
    ``title`` or first heading)."""
    if head.title is None and head.description is None:
        return meta
    meta = dict(meta)
    if head.title:
        lines = body.split("\n")
        label = meta.get("sidebar_label") or meta.get("title") or first_heading(lines, fenced_lines(lines))
        if label:
            meta["sidebar_label"] = label
        meta["title"] = head.title
    if head.description:
        meta["description"] = head.description
    return meta


def _head_problems(head: mdx.PageHead, file: str, body_line: int) -> list[Diagnostic]:
    return [warning(file, f"`{tag}` in `<head>` is not used by the portal (only `<title>` and "
                    '`<meta name="description">` are)', code=docusaurus.UNSUPPORTED, line=body_line + line - 1,
                    hint=f"remove `{tag}` from `<head>`") for line, tag in head.ignored]


def _import_line(plan: PagePlan, path: str) -> int | None:
    """The line of the page's ``import … from '<path>'``."""
    for number, line in enumerate(plan.body.split("\n")):
        if line.startswith("import ") and path in line:
            return plan.body_line + number
    return None


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _load_partial(plan: PagePlan, path: str) -> str | None:
    """A partial imported by the page, read only from inside the same repo."""
    target = (plan.source.root / PurePosixPath(plan.repo_path).parent / path).resolve()
    if not is_inside(target, plan.source.root) or not target.is_file():
        return None
    text = read_text(target, max_bytes=plan.source_limits.page_bytes, setting="page_mb")  # SourceFileError
    return split_front_matter(text, path).body


@collections_spaced()  # a big page makes its objects in one go: fewer collector passes over them
def convert_page(plan: PagePlan, index: SiteIndex) -> ConvertedPage:
    """Rewrite and check the page's links, then convert its Docusaurus/GitHub constructs for Material."""
    ctx = LinkContext(source=plan.source.name, repo_path=plan.repo_path, staged_path=plan.staged_path, file=plan.file,
                      trusted=plan.source.trusted, line_offset=plan.body_line)
    body = rewrite_links(plan.body, ctx, index)
    partial_ctx = LinkContext(source=plan.source.name, repo_path=plan.repo_path, staged_path=plan.staged_path,
                              file=plan.file, trusted=plan.source.trusted, line_offset=plan.body_line)
    partials: dict[str, str | None] = {}

    refused: list[str] = []
    unread: list[Diagnostic] = []

    def load(path: str) -> str | None:
        if path not in partials:
            repo_path = posixpath.normpath(posixpath.join(posixpath.dirname(plan.repo_path), path))
            if index.page_for(plan.source.name, repo_path) and \
                    (plan.source.name, repo_path) not in index.published_partials:
                index.published_partials.add((plan.source.name, repo_path))
                unread.append(warning(plan.file, f"`{repo_path}` is included here as a partial and also published as "
                                      "a page of its own", code="partial-published", line=_import_line(plan, path),
                                      hint=f"name it `_{posixpath.basename(repo_path)}` (Docusaurus never publishes "
                                      "`_` files) or add it to the source's `exclude:` globs"))
            try:
                partial = _load_partial(plan, path)
            except SourceFileError as exc:
                unread.append(error(plan.file, f"partial `{path}` is not included: {exc}", code="page-refused",
                                    hint=exc.hint))
                partial = None
            if partial is not None:
                found = docusaurus.unsupported(partial, plan.file, known=docusaurus.partial_imports(partial))
                unsupported.extend(Diagnostic(**{**p.__dict__, "line": None,
                                                 "message": f"{p.message} (in the included partial `{path}`)"})
                                   for p in found)
            partials[path] = rewrite_links(partial, partial_ctx, index) if partial is not None else None
        return partials[path]

    partial_names = set(docusaurus.partial_imports(plan.body))
    unsupported = docusaurus.unsupported(plan.body, plan.file, first_line=plan.body_line, known=partial_names)
    body = docusaurus.inline_partials(body, load, max_chars=plan.source_limits.page_bytes, refused=refused)
    if plan.source.name:  # a source's page: the ids GitHub and Docusaurus give its headings
        body = with_heading_ids(body, fenced_lines(body.split("\n")))
    body = _api_schema_links(body, plan, index)
    body = mdx.unwrap_components(body, partial_names)
    body = gfm.to_python_markdown(body)  # GitHub's structure, as Python-Markdown reads it
    body = docusaurus.strip_jsx(body)
    body = docusaurus.convert_blocks(body)
    body = code_blocks.convert_code_blocks(body)
    if not plan.source.trusted:
        body = sanitize_html(body)
    meta = {key: value for key, value in plan.meta.items() if plan.source.trusted or key not in PORTAL_KEYS}
    ignored = [warning(plan.file, f"front matter `{key}` is ignored: the portal sets it (a trusted source may)",
                       code="frontmatter-ignored", **plan.meta_positions.where(key),
                       hint=f"remove `{key}`, or mark the source `trusted: true` in the portal's config")
               for key in sorted(plan.meta.keys() - meta.keys())]
    if not isinstance(meta.get("search", {}), dict):  # Material's search plugin crashed the build on any other value
        del meta["search"]
        ignored.append(warning(plan.file, "front matter `search` is ignored: it must be a mapping",
                               code="frontmatter-invalid", **plan.meta_positions.where("search"),
                               hint="write `search: {exclude: true}` (or `{boost: 2}`), or remove it"))
    # Every page gets its title in the front matter: the theme then prints it (escaped when written) in the
    # navigation and in <title>, never one MkDocs derives from a file name or heading and Material unescapes.
    meta["title"] = plan.title or _file_title(plan.staged_path)
    lines = body.split("\n")
    blocks = fenced_blocks(lines)
    line, chars = longest_paragraph(lines, lines_in(blocks, len(lines)))
    refusal = None  # Python-Markdown would take minutes: publish a notice instead
    if chars > MAX_PARAGRAPH_CHARS:
        refusal = error(plan.file, f"page not published: a paragraph of {chars:,} characters (over "
                        f"{MAX_PARAGRAPH_CHARS:,} once partials are included) takes Markdown minutes to render",
                        code="page-refused", line=_body_line(plan, line), hint="split the paragraph with blank lines")
    elif len(blocks) > MAX_CODE_BLOCKS:
        refusal = error(plan.file, f"page not published: {len(blocks):,} fenced code blocks (over "
                        f"{MAX_CODE_BLOCKS:,} once partials are included) take Markdown minutes to render, each "
                        "highlighted on its own", code="page-refused",
                        line=_body_line(plan, blocks[MAX_CODE_BLOCKS][0] + 1), hint="split the page into several pages")
    if refusal is not None:
        return ConvertedPage(staged_path=plan.staged_path, repo_path=plan.repo_path, markdown=REFUSED_PAGE,
                             meta=meta, title=plan.title, diagnostics=plan.problems + ignored + [refusal], assets=[])
    problems = plan.problems + ignored + ctx.problems + unsupported + unread + [
        error(plan.file, f"partial `{path}` is not included: its uses would make the page larger than the page "
              f"limit of {plan.source_limits.page_bytes:,} bytes", code="page-refused",
              hint="include big partials once, or raise `limits: {page_mb: ...}`") for path in refused] + [
        Diagnostic(**{**p.__dict__, "line": None, "message": p.message + " (in an included partial)"})
        for p in partial_ctx.problems if p.severity is not Severity.INFO]
    return ConvertedPage(staged_path=plan.staged_path, repo_path=plan.repo_path, markdown=body, meta=meta,
                         title=plan.title, diagnostics=problems, assets=sorted(ctx.assets | partial_ctx.assets))


def _body_line(plan: PagePlan, line: int) -> int | None:
    """The file's line of the converted body's ``line`` (1-based), when it is one of the page's own lines (a
    partial included above it shifts what follows, so a line past the written body is not named)."""
    return plan.body_line + line - 1 if line <= plan.body.count("\n") + 1 else None


def _file_title(staged_path: str) -> str:
    """The title MkDocs gives a page without one: its file name, words capitalized."""
    path = PurePosixPath(staged_path)
    name = path.parent.name if path.stem == "index" and path.parent.name else path.stem
    title = name.replace("-", " ").replace("_", " ")
    return title.capitalize() if title.lower() == title else title


def _api_schema_links(body: str, plan: PagePlan, index: SiteIndex) -> str:
    """Redocusaurus ``<ApiSchema pointer="#/components/schemas/X" />`` → a link to the source's API reference."""
    def replace(match: re.Match) -> str:
        name = match.group("name")
        page = index.api_page_with(plan.source.name, f"schema-{name}") or index.api_pages.get(plan.source.name)
        if not page:
            return f"**Schema `{name}`** (see the API reference)"
        link = relative_link(plan.staged_path, page)
        return f"See the schema [`{name}`]({link}#schema-{name}) in the API reference."

    return re.sub(r"<ApiSchema\b[^>]*pointer=[\"']#/components/schemas/(?P<name>[\w.-]+)[\"'][^>]*/>", replace, body)
