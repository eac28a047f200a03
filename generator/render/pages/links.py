"""Links in a page: rewritten to portal pages, checked against the site index.

A link may be written as a relative ``.md`` path, a folder, a root-relative repo path, a Docusaurus
route, a URL of the site the docs were published on, a GitHub blob/tree URL of any source of the portal
or a Redoc-style API-reference link. Each becomes a relative link to the staged page (keeping its
fragment) and is checked: the page, the anchor, the image must exist.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import posixpath
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from generator.diagnostics import Diagnostic, error, info, warning
from generator.render.pages.sanitize import is_safe_url
from generator.render.pages.segments import LineIndex, code_mask
from generator.render.pages.site_index import SiteIndex
from generator.render.published_files import REFUSED_HINT, judge_file
from generator.repo_files import is_inside
from generator.urls import relative_link

INLINE = re.compile(r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(?P<url><[^>]*>|[^)\s]+)"
                    r"(?P<title>\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
# ``[^1]: text`` is a footnote, not a link definition.
DEFINITION = re.compile(r"^(?P<lead>[ ]{0,3}\[(?P<id>(?!\^)[^\]]+)\]:[ \t]*)(?P<url><[^>]*>|\S+)", re.MULTILINE)
#: ``[text](my file.md)``: a URL with a space is no link in CommonMark (GitHub shows the text as written).
SPACED_URL = re.compile(r"!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\([ \t]*(?P<url>[^\s()<>\"']+(?:[ \t]+[^\s()<>\"']+)+)"
                        r"[ \t]*\)")
HTML_TAG = re.compile(r"<(?P<tag>a|img|source|video)\b(?P<attrs>[^>]*)>", re.IGNORECASE)
HTML_ATTR = re.compile(r"""(?<![\w-])(?P<attr>href|src|srcset|poster)\s*=\s*"""
                       r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`{}]+))""", re.IGNORECASE)
GITHUB = re.compile(r"^https?://github\.com/(?P<repo>[^/]+/[^/#?]+)/(?P<kind>blob|tree|raw)/(?P<ref>[^/]+)/?"
                    r"(?P<path>[^#?]*)")
BARE_URL = re.compile(r"(?<![(<\[\"'=/])https?://[^\s)<>\]\"'`]+[^\s)<>\]\"'`.,;:!?_*]")
SUGGESTION_BUDGET = 20_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".bmp")


@dataclass
class LinkContext:
    """The page whose links are being resolved."""

    source: str
    repo_path: str
    staged_path: str
    file: str  # for diagnostics, e.g. "ecom/how-it-works/x.md"
    trusted: bool
    line_offset: int  # original line of the text's first line
    assets: set[str] = field(default_factory=set)
    problems: list[Diagnostic] = field(default_factory=list)
    suggestions: int = 0  # candidates compared for "did you mean" hints so far
    #: (repo root, path) → what :func:`_kind` found there: each path the page links to is looked up once
    kinds: dict[tuple[Path, str], str | None] = field(default_factory=dict)
    lowered_anchors: dict[str, dict[str, str]] = field(default_factory=dict)  # target page → lower-case → anchor
    #: (target page, missing anchor) → its "did you mean" (None: none close): a page repeating a broken link
    #: compares its anchor with the target's headings once
    close_anchors: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def suggest(self, candidates: int) -> bool:
        """Whether to look for a "did you mean" among ``candidates`` more names: each search compares the
        wrong name with every candidate, so a page gets :data:`SUGGESTION_BUDGET` comparisons in all (a page
        with thousands of broken links to a page of thousands of headings stays linear)."""
        self.suggestions += candidates
        return self.suggestions <= SUGGESTION_BUDGET


@dataclass(frozen=True)
class RefusedFile:
    """A link to a repo file that :func:`judge_file` does not let the source publish."""

    repo_path: str
    reason: str
    web_url: str | None  # the file on the repo's web page, when the source has one


def rewrite_links(text: str, ctx: LinkContext, index: SiteIndex) -> str:
    """Rewrite every link of ``text`` (outside code) to its portal target and record problems.

    Linear in the size of ``text``: line numbers come from one :class:`LineIndex`, and the edits are
    joined once at the end."""
    mask = code_mask(text)
    line_at = LineIndex(text).line
    edits: list[tuple[int, int, str]] = []
    inline, definitions, tags = (list(pattern.finditer(mask)) for pattern in (INLINE, DEFINITION, HTML_TAG))
    for match in inline:
        url = text[match.start("url"): match.end("url")]
        is_image = bool(match.group("bang"))
        line = line_at(match.start())
        new = _resolve(url.strip("<>"), ctx, index, line, image=is_image)
        edits += _inline_edits(match, 0, url, new, ctx, line)
        inner = text[match.start("text"): match.end("text")]
        if "](" in inner:  # an image inside a link: [![alt](img.png)](target)
            for inner_match in INLINE.finditer(inner):
                inner_url = inner_match.group("url")
                inner_new = _resolve(inner_url.strip("<>"), ctx, index, line, image=bool(inner_match.group("bang")))
                edits += _inline_edits(inner_match, match.start("text"), inner_url, inner_new, ctx, line)
    for match in definitions:
        url = text[match.start("url"): match.end("url")]
        line = line_at(match.start())
        new = _resolve(url.strip("<>"), ctx, index, line, image=url.lower().endswith(IMAGE_SUFFIXES))
        if isinstance(new, RefusedFile):
            if new.web_url:
                _refused(ctx, line, new, "the link goes to the file on the repo's web page instead")
                edits.append((match.start("url"), match.end("url"), new.web_url))
            else:
                _refused(ctx, line, new, "the link definition was removed, so links using it show as plain text")
                end = text.find("\n", match.end())
                edits.append((match.start(), len(text) if end < 0 else end, ""))
        elif new is not None and new != url:
            edits.append((match.start("url"), match.end("url"), new))
    for match in SPACED_URL.finditer(mask):
        url = text[match.start("url"): match.end("url")]
        _problem(ctx, line_at(match.start()), warning, f"link `{url}` has a space in its URL, so Markdown shows it "
                 "as text, not as a link", "link-url-spaces",
                 f"write the space as %20 (`{url.replace(' ', '%20')}`) or put the URL in angle brackets (`<{url}>`)")
    for tag in tags:
        for attr in HTML_ATTR.finditer(mask, tag.start("attrs"), tag.end("attrs")):
            edits += _html_attribute_edits(text, tag.group("tag").lower(), attr, ctx, index, line_at)
    taken = _Spans(match.span() for match in (*inline, *definitions, *tags))
    for match in BARE_URL.finditer(mask):
        if match.start() in taken:
            continue
        url = match.group(0)
        new = _resolve(url, ctx, index, line_at(match.start()), image=False)
        if isinstance(new, str) and new != url:  # a bare URL of a portal page becomes a link to it
            edits.append((match.start(), match.end(), f"[{url}]({new})"))
    pieces, last = [], 0
    for start, end, new in sorted(edits):
        if start < last:
            continue  # an edit inside one already made (cannot happen with the patterns above)
        pieces += [text[last:start], new]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


class _Spans:
    """Sorted ``(start, end)`` spans; ``offset in spans`` when a span holds it (binary search)."""

    def __init__(self, spans) -> None:
        self.spans = sorted(spans)
        self.starts = [start for start, _ in self.spans]
        self.reach = list(itertools.accumulate((end for _, end in self.spans), max))

    def __contains__(self, offset: int) -> bool:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and self.reach[i] > offset


def _inline_edits(match: re.Match, offset: int, url: str, new, ctx: LinkContext,
                  line: int) -> list[tuple[int, int, str]]:
    """Edits of one ``[text](url)`` / ``![alt](url)`` (``offset``: where the text ``match`` ran on starts)."""
    if isinstance(new, RefusedFile):
        if new.web_url:  # an image becomes a link to the file's web page: [alt](web page)
            _refused(ctx, line, new, "the link goes to the file on the repo's web page instead")
            return [(offset + match.start("bang"), offset + match.end("bang"), ""),
                    (offset + match.start("url"), offset + match.end("url"), new.web_url)]
        _refused(ctx, line, new, "its text is shown without a link")
        return [(offset + match.start(), offset + match.start("text"), ""),
                (offset + match.end("text"), offset + match.end(), "")]
    if new is not None and new != url:
        return [(offset + match.start("url"), offset + match.end("url"), new)]
    return []


def _html_attribute_edits(text: str, tag: str, attr: re.Match, ctx: LinkContext, index: SiteIndex,
                          line_at: Callable[[int], int]) -> list[tuple[int, int, str]]:
    """Edits of one ``href``/``src``/``srcset``/``poster`` of a raw ``<a>``, ``<img>``, ``<source>``,
    ``<video>``; a refused file's attribute is removed (an ``<a>`` goes to the file's web page instead)."""
    group = next(g for g in ("dq", "sq", "bare") if attr.group(g) is not None)
    start, end = attr.span(group)
    value = text[start:end]
    line = line_at(attr.start())
    name = attr.group("attr").lower()
    link = tag == "a" and name == "href"
    if name == "srcset":
        kept, changed = [], False
        for candidate in (c.strip() for c in value.split(",")):
            url, descriptor = (candidate.split(None, 1) + [""])[:2] if candidate else ("", "")
            new = _resolve(url, ctx, index, line, image=True) if url else None
            if isinstance(new, RefusedFile):
                _refused(ctx, line, new, "it was left out of the `srcset`")
                changed = True
                continue
            changed |= new is not None and new != url
            kept.append(f"{new if isinstance(new, str) else url} {descriptor}".strip() if url else candidate)
        if not changed:
            return []
        if not [k for k in kept if k]:
            return [(attr.start(), attr.end(), "")]
        return [(start, end, ", ".join(k for k in kept if k))]
    new = _resolve(value, ctx, index, line, image=not link)
    if isinstance(new, RefusedFile):
        if link and new.web_url:
            _refused(ctx, line, new, "the link goes to the file on the repo's web page instead")
            return [(start, end, new.web_url)]
        _refused(ctx, line, new, f"the `{attr.group('attr')}` attribute was removed")
        return [(attr.start(), attr.end(), "")]
    if new is not None and new != value:
        return [(start, end, new)]
    return []


def _refused(ctx: LinkContext, line: int, refused: RefusedFile, outcome: str) -> None:
    _problem(ctx, line, warning, f"`{refused.repo_path}` is not published: {refused.reason}; {outcome}",
             "file-refused", REFUSED_HINT)


def _relative(ctx: LinkContext, target: str, fragment: str) -> str:
    return relative_link(ctx.staged_path, target) + (f"#{fragment}" if fragment else "")


def _problem(ctx: LinkContext, line: int, make, message: str, code: str, hint: str | None) -> None:
    ctx.problems.append(make(ctx.file, message, code=code, hint=hint, line=ctx.line_offset + line - 1))


def _resolve(url: str, ctx: LinkContext, index: SiteIndex, line: int, *, image: bool) -> str | RefusedFile | None:
    """The rewritten URL (None: leave it as written; :class:`RefusedFile`: a file the source may not publish)."""
    if not url:
        return None
    if not is_safe_url(url):  # the sanitizer's policy, read as a browser reads the URL
        if ctx.trusted:
            return None
        _problem(ctx, line, warning, f"link with a `{url.split(':', 1)[0]}:` URL was removed", "link-unsafe",
                 "use an http(s), mailto or relative link")
        return "#"
    if url.startswith("#"):
        _check_anchor(ctx, index, ctx.staged_path, unquote(url[1:]), line, url)
        return None
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "tel", "ftp") or (parts.scheme and parts.scheme not in ("http", "https")):
        return None
    if parts.scheme in ("http", "https"):
        return _resolve_absolute(url, parts, ctx, index, line)
    path = unquote(parts.path)
    fragment = parts.fragment
    if path.startswith("@site/"):  # Docusaurus: a path from the site's folder (the repo root)
        return _resolve_root_relative(url, path.removeprefix("@site"), fragment, ctx, index, line, image=image,
                                      site=True)
    if path.startswith("/"):
        return _resolve_root_relative(url, path, fragment, ctx, index, line, image=image)
    return _resolve_relative(url, path, fragment, ctx, index, line, image=image)


def _resolve_relative(url: str, path: str, fragment: str, ctx: LinkContext, index: SiteIndex, line: int, *,
                      image: bool) -> str | RefusedFile | None:
    base = posixpath.dirname(ctx.repo_path)
    joined = posixpath.normpath(posixpath.join(base, path)) if path else ctx.repo_path
    if joined.startswith("../") or joined == "..":
        if ctx.source:
            _problem(ctx, line, error, f"link `{url}` leaves the source's repo", "link-outside-source",
                     "link to another source by its GitHub URL (https://github.com/<owner>/<repo>/blob/<ref>/<path>) "
                     "or by its portal path; a relative path cannot leave the repo")
        else:
            target = _portal_path(joined, path, ctx, index)
            if target:
                return _check_and_link(ctx, index, target, fragment, line, url)
            _problem(ctx, line, warning, f"link `{url}` points to no page of the portal", "link-missing-page",
                     _did_you_mean_page(ctx, index, joined))
        return None
    if not _suffix(path) or path.endswith("/"):
        # Written for Docusaurus: resolved against the page URL (/operations/cancel/), where the file-path
        # reading of the same link would be a different page. Prefer the reading whose anchor exists.
        by_url = _page_by_url(url, ctx, index)
        by_file = _page_of(index, ctx.source, joined)
        if by_url and by_url != by_file and (not fragment or fragment in index.pages[by_url].anchors or not by_file):
            return _check_and_link(ctx, index, by_url, fragment, line, url)
    return _resolve_repo_path(url, joined, fragment, ctx, index, line, image=image, trailing=path.endswith("/"))


def _suffix(path: str) -> str:
    """``PurePosixPath(path).suffix``, without building the path for a plain last name (once per link)."""
    name = path.rpartition("/")[2]
    if name in ("", "."):  # pathlib's name is then an earlier part
        return PurePosixPath(path).suffix
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _kind(ctx: LinkContext, root: Path, repo_path: str) -> str | None:
    """Whether ``repo_path`` in ``root`` is a folder ("dir"), a file ("file"), something else ("other") or
    nothing (None: missing, or a name the system refuses, such as one too long), symlinks followed; one lookup
    per path and page."""
    key = (root, repo_path)
    if key not in ctx.kinds:
        try:
            mode = (root / repo_path).stat().st_mode
        except (OSError, ValueError):
            ctx.kinds[key] = None
        else:
            ctx.kinds[key] = "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"
    return ctx.kinds[key]


def _portal_path(joined: str, path: str, ctx: LinkContext, index: SiteIndex) -> str | None:
    """For the portal's own pages: a path into the staged tree (``payments/index.md``)."""
    normalized = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.staged_path), path))
    for candidate in (normalized, f"{normalized}/index.md", f"{normalized.removesuffix('/')}.md"):
        if candidate in index.pages:
            return candidate
    return None


def _resolve_repo_path(url: str, repo_path: str, fragment: str, ctx: LinkContext, index: SiteIndex, line: int, *,
                       image: bool, trailing: bool = False, source: str | None = None) -> str | RefusedFile | None:
    source = ctx.source if source is None else source
    source_pages = index.sources.get(source)
    root = source_pages.root if source_pages else None
    def kind() -> str | None:
        return _kind(ctx, root, repo_path) if root else None

    if repo_path.endswith((".md", ".mdx")) or trailing or kind() == "dir":
        target = _page_of(index, source, repo_path)
        if target is None and not ctx.source and repo_path in index.pages:
            target = repo_path
        if target is None and source == ctx.source:
            # Docusaurus resolves links against the page URL (/operations/cancel/), not the file.
            target = _page_by_url(url, ctx, index)
        if target is None:
            target = index.find_route(source, repo_path)
        if target is None:
            is_folder = kind() == "dir" and is_inside(root / repo_path, root)
            web_page = source_pages.web_page(repo_path.strip("/"), folder=is_folder) if source_pages else None
            if web_page and (is_folder or kind() == "file") and is_inside(root / repo_path, root):
                _problem(ctx, line, info, f"link `{url}` points to `{repo_path}`, which the portal does not publish: "
                         "it goes to the repo's web page", "link-to-repo",
                         "to publish it on the portal, give the folder a README.md and add it to the source's "
                         "`pages:` globs" if is_folder else "add it to the source's `pages:` globs to publish it on "
                         "the portal")
                return web_page + (f"#{fragment}" if fragment else "")
            if kind() == "file" and repo_path.endswith(".md"):
                _problem(ctx, line, warning, f"link `{url}` points to `{repo_path}`, which the portal does not publish",
                         "link-unpublished-file", "add the file to the source's `pages:` globs, or link elsewhere")
            else:
                _problem(ctx, line, warning, f"link `{url}` points to a page that does not exist", "link-missing-page",
                         _did_you_mean_page(ctx, index, f"{source}/{repo_path}" if source else repo_path))
            return None
        return _check_and_link(ctx, index, target, fragment, line, url)
    # Not a page: an image or another file of the repo, copied next to the staged page.
    if kind() == "file" and is_inside(root / repo_path, root):
        if source == ctx.source:
            verdict = source_pages.file_verdicts.get(repo_path)
            if verdict is None:
                verdict = source_pages.file_verdicts[repo_path] = judge_file(root, repo_path, trusted=ctx.trusted)
            if not verdict.published:
                base = source_pages.file_web_url
                return RefusedFile(repo_path, verdict.reason or "", f"{base}/{quote(repo_path)}" if base else None)
            ctx.assets.add(repo_path)
            staged = f"{source}/{repo_path}" if source else repo_path
            return _relative(ctx, staged, fragment)
        return None
    if root is not None and not _suffix(repo_path):
        target = _page_by_url(url, ctx, index) or _page_of(index, source, repo_path + ".md") \
            or index.find_route(source, repo_path)
        if target:
            return _check_and_link(ctx, index, target, fragment, line, url)
    kind, code = ("image", "image-missing") if image else ("file", "link-missing-file")
    _problem(ctx, line, warning, f"{kind} `{url}` does not exist in the repo", code,
             "add the file to the repo, or fix the path (paths are relative to this page's folder)")
    return None




def _page_of(index: SiteIndex, source: str, repo_path: str) -> str | None:
    repo_path = repo_path.rstrip("/")
    for candidate in (repo_path, f"{repo_path}/README.md", f"{repo_path}/index.md", f"{repo_path}/readme.md"):
        page = index.page_for(source, candidate.lstrip("./") if candidate not in ("", ".") else "README.md")
        if page:
            return page
    if repo_path in ("", "."):
        return index.page_for(source, "README.md") or index.page_for(source, "index.md")
    return None


def _page_by_url(url: str, ctx: LinkContext, index: SiteIndex) -> str | None:
    """Resolve ``url`` against the page's published URL (``x/page/`` for ``x/page.md``) as a browser would."""
    stem = ctx.repo_path[:-3] if ctx.repo_path.endswith(".md") else ctx.repo_path
    if PurePosixPath(stem).name.lower() in ("readme", "index"):
        stem = str(PurePosixPath(stem).parent)
    path = urlsplit(url).path
    joined = posixpath.normpath(posixpath.join(stem, path)) if path else stem
    if joined.startswith(".."):
        return None
    return index.find_route(ctx.source, "" if joined == "." else joined)


def _resolve_root_relative(url: str, path: str, fragment: str, ctx: LinkContext, index: SiteIndex, line: int, *,
                           image: bool, site: bool = False) -> str | RefusedFile | None:
    """``/x`` is a path from the repo root (GitHub), from the docs root or a route (Docusaurus: ``slug:``, ``id:``),
    or a file of Docusaurus' ``static/`` folder (``/img/logo.png``); ``@site/x`` is from the repo root only."""
    source_pages = index.sources.get(ctx.source)
    repo_path = path.lstrip("/")
    if source_pages:
        root = source_pages.root
        bases = [""] if site else list(dict.fromkeys(["", source_pages.docs_root, "static"]))
        for base in bases:
            candidate = posixpath.join(base, repo_path) if base else repo_path
            stem = candidate.rstrip("/")
            if (candidate and _kind(ctx, root, candidate)) or _kind(ctx, root, f"{stem}.md") == "file" \
                    or _kind(ctx, root, f"{stem}.mdx") == "file":
                return _resolve_repo_path(url, candidate or ".", fragment, ctx, index, line, image=image,
                                          trailing=path.endswith("/"))
        routed = index.find_route(ctx.source, repo_path) or \
            index.find_route(ctx.source, posixpath.join(source_pages.docs_root, repo_path))
        if routed:
            return _check_and_link(ctx, index, routed, fragment, line, url)
    for prefix, source in index.published_prefixes():
        prefix_path = urlsplit(prefix).path.rstrip("/")
        if prefix_path and (path == prefix_path or path.startswith(prefix_path + "/")):
            return _resolve_published(url, path[len(prefix_path):], fragment, source, ctx, index, line)
    if ctx.source == "" and repo_path in index.pages:
        return _check_and_link(ctx, index, repo_path, fragment, line, url)
    origin = _published_origin(source_pages)
    if origin and not _suffix(path):
        return origin + url  # a route of the site the docs were published on, outside this portal
    kind, code = ("image", "image-missing") if image else ("file", "link-missing-file")
    where = "the repo root" if site else "the repo root, the docs folder or `static/`"
    _problem(ctx, line, warning, f"{kind} `{url}` does not exist in the repo", code,
             f"root-relative paths (`/x`) are resolved from {where}")
    return None


def _published_origin(source_pages) -> str | None:
    for prefix in (source_pages.published_urls if source_pages else []):
        parts = urlsplit(prefix)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return None


def _resolve_absolute(url: str, parts, ctx: LinkContext, index: SiteIndex, line: int) -> str | None:
    github = GITHUB.match(url)
    if github:
        source = index.source_for_github(github.group("repo"))
        if source is None or not index.sources[source].same_version(unquote(github.group("ref"))):
            return None  # another repo, or another branch of a source: its URL stays as written
        repo_path = unquote(github.group("path")).strip("/")
        target = _page_of(index, source, repo_path) if (repo_path.endswith(".md") or github.group("kind") == "tree"
                                                         or not repo_path) else None
        if target:
            return _check_and_link(ctx, index, target, parts.fragment, line, url)
        root = index.sources[source].root
        if repo_path.endswith(".md") and _kind(ctx, root, repo_path) == "file":
            _problem(ctx, line, warning, f"link `{url}` points to `{repo_path}` of source `{source}`, which the portal "
                     "does not publish", "link-unpublished-file",
                     f"add it to the `pages:` globs of source `{source}`, or link to a published page")
        elif repo_path.endswith(".md") or github.group("kind") == "tree":
            _problem(ctx, line, warning, f"link `{url}` points to `{repo_path}`, which is not in source `{source}`",
                     "link-missing-page", _did_you_mean_page(ctx, index, f"{source}/{repo_path}"))
        return None
    plain = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    for prefix, source in index.published_prefixes():
        if plain == prefix or plain.startswith(prefix + "/"):
            return _resolve_published(url, plain[len(prefix):], parts.fragment, source, ctx, index, line)
    return None


def _resolve_published(url: str, route: str, fragment: str, source: str, ctx: LinkContext, index: SiteIndex,
                       line: int) -> str | None:
    """A URL of the site the docs were published on → the portal page that holds that content now."""
    route = unquote(route).strip("/")
    docs_root = index.sources[source].docs_root if source in index.sources else ""
    if not route and fragment and (fragment.startswith(("tag/", "operation/", "/")) or source in index.api_pages) \
            and source in index.api_pages:
        return _api_link(ctx, index, source, fragment, line, url)
    target = index.find_route(source, posixpath.join(docs_root, route) if docs_root else route)
    if target is None and not route and source in index.api_pages:
        return _relative(ctx, index.api_pages[source], fragment)
    if target is None:
        return None  # a section of the published site that is not in the portal: keep the absolute URL
    return _check_and_link(ctx, index, target, fragment, line, url)


def _api_link(ctx: LinkContext, index: SiteIndex, source: str, fragment: str, line: int, url: str) -> str:
    """Redoc-style ``#tag/T/operation/op`` → the operation's page and anchor when known."""
    match = re.search(r"operation/([^/]+)$", fragment)
    if match:
        where = index.operations.get((source, unquote(match.group(1))))
        if where:
            return _relative(ctx, where[0], where[1])
        _problem(ctx, line, warning, f"link `{url}` names operation `{match.group(1)}`, which is not in the API "
                 f"reference of `{source}`", "link-missing-operation", "check the operationId in the spec")
    anchor = unquote(fragment)
    page = index.api_page_with(source, anchor)
    if page:  # a tag (its page, from the top) or a schema of the models page
        return _relative(ctx, page, "" if anchor.startswith("tag/") else anchor)
    return _relative(ctx, index.api_pages[source], fragment)


def _check_and_link(ctx: LinkContext, index: SiteIndex, target: str, fragment: str, line: int, url: str) -> str:
    if fragment:
        fragment = _check_anchor(ctx, index, target, unquote(fragment), line, url) or fragment
    return _relative(ctx, target, fragment)


def _check_anchor(ctx: LinkContext, index: SiteIndex, target: str, anchor: str, line: int, url: str) -> str | None:
    """Warn about a missing anchor; return the right anchor when only its spelling differs (GitHub style)."""
    entry = index.pages.get(target)
    if entry is None or not anchor or anchor in entry.anchors or anchor.startswith(("tag/", "operation/", "/")):
        return None
    fixed = index.github_slugs.get(target, {}).get(anchor) or index.github_slugs.get(target, {}).get(anchor.lower())
    if fixed:
        return fixed
    if target not in ctx.lowered_anchors:
        ctx.lowered_anchors[target] = {a.lower(): a for a in entry.anchors}
    lowered = ctx.lowered_anchors[target]
    if anchor.lower() in lowered:
        return lowered[anchor.lower()]
    close = None
    if ctx.suggest(len(entry.anchors)):  # counted even when cached: the budget runs out where it did without
        if (target, anchor) not in ctx.close_anchors:
            found = difflib.get_close_matches(anchor, sorted(entry.anchors), n=1, cutoff=0.6)
            ctx.close_anchors[target, anchor] = found[0] if found else None
        close = ctx.close_anchors[target, anchor]
    _problem(ctx, line, warning, f"link `{url}`: `#{anchor}` is not a heading of {target}", "link-missing-anchor",
             f"did you mean `#{close}`?" if close else "link to an existing heading, or remove the fragment")
    return None


def _did_you_mean_page(ctx: LinkContext, index: SiteIndex, wanted: str) -> str:
    close = difflib.get_close_matches(wanted, sorted(index.pages), n=1, cutoff=0.6) \
        if ctx.suggest(len(index.pages)) else []
    return f"did you mean `{close[0]}`?" if close else "check the path; links are relative to this page's file"
