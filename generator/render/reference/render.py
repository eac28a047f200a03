"""Render an :class:`~generator.render.reference.model.Api` with the Jinja2 templates in ``templates/apiref``."""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import jinja2
import markdown
from markupsafe import Markup

from generator.diagnostics import Diagnostic, Severity, warning
from generator.inline_guards import prepare_inline_patterns
from generator.package_data import BANNER, FRAGMENTS, templates_dir
from generator.render.escaping import template_environment
from generator.render.pages.sanitize import clean_html
from generator.render.reference import yaml_out
from generator.render.reference.bundle import SpecBundle, has_external_refs
from generator.render.reference.model import Api, Operation, read_api, resolve, tag_anchors
from generator.render.reference.tryit import ASSETS as TRY_IT_ASSETS
from generator.render.reference.tryit import ConsoleData, TryIt
from generator.render.reference.views import (
    CallbackView,
    HeaderView,
    LinkView,
    MediaView,
    OperationView,
    ParameterView,
    RequestBodyView,
    ResponseView,
    SchemaView,
    SecurityView,
    Views,
    XmlExample,
    code_samples,
    compact_json,
    is_xml,
    pretty_json,
)
from generator.render.staged_page import write_page
from generator.repo_files import DEFAULT_LIMITS, ContentLimits
from generator.urls import slug
from generator.validate.spec import spec_version, validate_spec, validate_spec_in_background
from generator.validate.spec_files import ParsedDocuments, SpecFiles

TEMPLATES = templates_dir() / "apiref"
ASSETS = ("assets/apiref/apiref.css", "assets/apiref/apiref.js", "assets/apiref/servers.js")
BIG_SPEC = 150  # operations; above this the single page collapses everything and drops samples
#: Operations per page of a tag: a bigger tag is split into parts of at most this many, behind the tag's own
#: page, which lists them all (a 400-operation tag page took 2.2-4.6 s to load in chromium; bench/tag_page.py).
TAG_PAGE_OPERATIONS = 50
#: Material's search weight of reference pages: a reader who types an operation's summary, operationId,
#: method or path, or a schema's name, gets the reference before guides that mention the same words.
REFERENCE_SEARCH = {"boost": 3}
MODELS_SEARCH = {"boost": 2}  # below operations: "createPayment" finds the operation before CreatePaymentRequest
PARALLEL_VALIDATION_BYTES = 300_000
#: Above this many operations the overview and the single page list the API's tags (with their operation
#: counts) instead of every operation, and the map of Redoc-style anchors those pages' script follows is a
#: file of its own (:data:`ANCHOR_MAP`, fetched only when a link needs it): Microsoft Graph's 11,422
#: operations made each of those pages 9-15 MB.
LISTED_OPERATIONS = 1000
#: Component schemas per models page: more are split into parts of this many (``models/part-N/``) behind the
#: models page, which lists them all (Microsoft Graph's 2,599 schemas made one page of 4.9 MB).
MODELS_PAGE_SCHEMAS = 200
ANCHOR_MAP = "anchors.map.json"  # beside the overview; a dot no spec's download name (a slug) has


def reference_workers(jobs: int = 2) -> ProcessPoolExecutor:
    """``jobs`` worker processes that validate a big spec (and write its downloads) while this process renders
    it, and take other work of the run that is independent of rendering (a changelog's comparisons).

    The caller scopes them to one run: ``with reference_workers() as workers:``, passing ``workers`` to each
    :func:`render_api_reference`; no process is started before a job needs one, and all are ended
    when the block ends."""
    # Linux's default start method, fork: the workers start with everything imported. forkserver (safer in
    # a threaded process such as `serve`) cost 0.3-0.6 s per render of a big spec, all of it imports; the
    # workers only compute, and CPython resets its import and logging locks in a forked child.
    # Each worker freezes what it inherits (modules, templates, the parent's data): the collector's full passes
    # then skip those objects instead of walking them again and again (about 1 CPU s of a cold staging at M).
    return ProcessPoolExecutor(max_workers=max(1, jobs), initializer=gc.freeze)


def prepare_rendering() -> None:
    """Import the spec validator and the descriptions' Markdown extensions, and compile the reference's
    templates in this process, before worker processes are forked from it to render references: they then
    share them instead of each paying for them again (about a second of CPU per worker)."""
    from generator.validate import speedups  # noqa: F401 - imported for the workers (see validate_spec)

    markdown.Markdown(extensions=DESCRIPTION_EXTENSIONS)  # imports them, and lists the installed ones once

    env = _environment()
    for name in sorted(path.name for path in TEMPLATES.iterdir() if path.name.endswith(".j2")):
        env.get_template(name)


@dataclass
class ApiReference:
    """What one spec contributed to the portal."""

    title: str
    version: str
    description: str
    nav: list
    pages: dict[str, set[str]] = field(default_factory=dict)  # staged page → anchors on it
    operations: dict[str, tuple[str, str]] = field(default_factory=dict)  # operationId → (page, anchor)
    endpoints: dict[str, tuple[str, str]] = field(default_factory=dict)  # "GET /orders" → (page, anchor)
    lifecycle: dict[str, Any] = field(default_factory=dict)  # the spec's own `deprecated` and `sunset` (x- fields)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    assets: list[str] = field(default_factory=lambda: list(ASSETS))
    inputs: list[str] = field(default_factory=list)  # URIs of the files the rendering read (spec and $ref targets)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = template_environment(TEMPLATES, output="html")
    env.filters["json"] = lambda value: pretty_json(value)
    env.filters["text"] = element_text
    env.filters["link_url"] = link_url
    env.filters["tojson_compact"] = lambda value: Markup(
        compact_json(value).replace("<", "\\u003c"))  # inside <script>: no tag can start
    return env


_LINK_SCHEMES = {"", "http", "https", "mailto"}


def link_url(value: Any) -> str | None:
    """A URL from the spec (contact, licence, external docs) if it is safe to link: web, mail or relative;
    ``javascript:`` and other schemes are shown as text, never as a link."""
    url = str(value or "").strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if url and scheme in _LINK_SCHEMES else None


def element_text(value: Any) -> Markup:
    """``value`` escaped for an element's text: quotes stay quotes (``&#34;`` five times over made a fifth of
    the samples' and examples' bytes)."""
    return Markup(str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


_PRE = re.compile(r"<pre(\s[^>]*)?>")
_HAS_ID = re.compile(r"\sid\s*=", re.IGNORECASE)


def number_code_blocks(html: str) -> str:
    """Give every ``<pre>`` of a page an id of its own (``dp-code-1``, …).

    Material's copy button targets ``#__code_<id> > code``, the id taken from the closest element that has
    one: inside an operation that was ``operation/createPayment``, not a valid selector and the same for
    every sample of the operation, so no button copied anything. Numbered per page, after rendering,
    because the same cached description or example appears under several operations."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        attributes = match.group(1) or ""
        if _HAS_ID.search(attributes):
            return match.group(0)
        count += 1
        return f'<pre id="dp-code-{count}"{attributes}>'

    return _PRE.sub(number, html)


def _code_block(code: str, language: str) -> Markup:
    """A code sample as Material shows code; not tokenized (Pygments cost 6 s on a 1,000-operation spec)."""
    return (Markup('<div class="highlight"><pre><code class="language-{}">').format(language) + element_text(code)
            + Markup("</code></pre></div>"))


# One line starting with a letter, without a character Markdown or HTML gives a meaning to.
PLAIN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9 ,.;:'\"()/?%+=-]*\Z")
_LINKABLE = re.compile(r"://|www\.|ftp\.", re.IGNORECASE)  # what magiclink turns into a link
#: Descriptions are written for Redoc and GitHub, which both link bare URLs (magiclink does that here).
DESCRIPTION_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "pymdownx.magiclink"]


class Describer:
    """Markdown descriptions → HTML, sanitized unless the source is trusted; cached per text."""

    def __init__(self, trusted: bool) -> None:
        self.trusted = trusted
        self.md = markdown.Markdown(extensions=DESCRIPTION_EXTENSIONS)
        prepare_inline_patterns(self.md)  # magiclink's bare URLs and e-mail addresses are looked for first
        self.cache: dict[str, Markup] = {}

    def __call__(self, text: Any) -> Markup | None:
        if not text:
            return None
        text = str(text)
        if text not in self.cache:
            if PLAIN_TEXT.match(text) and not _LINKABLE.search(text):  # most: one line of words, left as is
                self.cache[text] = Markup(f"<p>{text}</p>")
                return self.cache[text]
            html = self.md.reset().convert(text)
            self.cache[text] = Markup(html if self.trusted else clean_html(html))
        return self.cache[text]


class _Renderer:
    """Turns the model into template data, with shared caches for schema HTML."""

    def __init__(self, api: Api, files: SpecFiles, trusted: bool) -> None:
        self.api, self.files = api, files
        self.describe = Describer(trusted)
        # A big API inlines two levels of named schemas per tree (a huge one, one) and links deeper ones to the
        # models page: the same component repeated under every operation is what makes such references too
        # heavy for a browser (a page of 50 of Microsoft Graph's operations was 9 MB with two levels).
        count = len(api.operations)
        self.views = Views(api, files, self.describe,
                           named_depth=1 if count > LISTED_OPERATIONS else 2 if count > BIG_SPEC else None)
        self.xml_example = XmlExample(self.views)
        self.env = _environment()
        # One macro call per schema node (a template render each cost twice as much on big APIs)
        self.schema_node = self.env.get_template("schema.html.j2").module.node
        self.schema_cache: dict[tuple[int, str], Markup] = {}
        self.uid = 0
        self.operation_hrefs: dict[str, str] = {}  # operationId → its place, from a tag or the single page

    def schema_html(self, view: SchemaView, part: str = "all") -> Markup:
        key = (id(view), part)
        if key not in self.schema_cache:
            self.schema_cache[key] = Markup(self.schema_node(view, part, self.schema_html, self.models_link))
        return self.schema_cache[key]

    models_link = ""

    def next_uid(self) -> int:
        self.uid += 1
        return self.uid

    def parameter(self, param: dict[str, Any], uri: str) -> ParameterView:
        """The view of a parameter (``param`` may be a ``$ref``, relative to ``uri``)."""
        target, target_uri, _ = resolve(self.files, param, uri)
        param = target if isinstance(target, dict) else {}
        schema = param.get("schema") or {}
        if not schema and isinstance(param.get("content"), dict):  # a parameter serialized as a media type
            media = next(iter(param["content"].values()), None)
            schema = media.get("schema") or {} if isinstance(media, dict) else {}
        view = self.views.schema(schema, target_uri, "request")
        example = param.get("example")
        if example is None and isinstance(param.get("examples"), dict) and param["examples"]:
            first = next(iter(param["examples"].values()))
            example = first.get("value") if isinstance(first, dict) else None
        if example is None:
            example = self.views.example(schema, target_uri, "request")
        return ParameterView(name=str(param.get("name", "")), location=param.get("in", "query"),
                             required=bool(param.get("required")), deprecated=bool(param.get("deprecated")),
                             view=view, description=self.describe(param.get("description")), example=example,
                             schema=schema, schema_uri=target_uri)

    def media(self, content: Any, uri: str, mode: str) -> list[MediaView]:
        """The views of a request body's or a response's media types (``mode``: "request" or "response")."""
        result = []
        for media_type, media in (content or {}).items():
            media = media if isinstance(media, dict) else {}
            schema = media.get("schema") or {}
            examples = []
            if "example" in media:
                examples.append(("Example", media["example"]))
            for name, example in (media.get("examples") or {}).items():
                target, _, _ = resolve(self.files, example, uri)
                if isinstance(target, dict) and "value" in target:
                    examples.append((target.get("summary") or name, target["value"]))
            generated = not examples
            if generated and schema:
                value = self.views.example(schema, uri, mode)
                if is_xml(media_type):
                    value = self.xml_example(schema, uri, value)
                examples.append(("Generated example", value))
            result.append(MediaView(type=media_type, view=self.views.schema(schema, uri, mode) if schema else None,
                                    examples=[(label, pretty_json(value) if not isinstance(value, str) else value)
                                              for label, value in examples], generated=generated,
                                    schema=schema, schema_uri=uri,
                                    first_example=examples[0][1] if examples else None))
        return result

    def links(self, links: Any, uri: str) -> list[LinkView]:
        """A response's OpenAPI links: which operation its values feed, with which parameters."""
        result = []
        for name, link in (links or {}).items() if isinstance(links, dict) else []:
            link, _, _ = resolve(self.files, link, uri)
            if not isinstance(link, dict):
                continue
            operation_id = link.get("operationId")
            parameters = link.get("parameters") if isinstance(link.get("parameters"), dict) else {}
            result.append(LinkView(name=str(name), operation=str(operation_id or link.get("operationRef") or ""),
                                   href=self.operation_hrefs.get(operation_id) if isinstance(operation_id, str)
                                   else None,
                                   parameters={str(k): v if isinstance(v, str) else pretty_json(v)
                                               for k, v in parameters.items()},
                                   description=self.describe(link.get("description"))))
        return result

    def operation(self, op: Operation) -> OperationView:
        """The view of an operation, its callbacks' operations included."""
        uri = op.base_uri
        data = op.data
        parameters = [self.parameter(p, uri) for p in data.get("parameters") or []]
        by_location = {}
        for param in parameters:
            by_location.setdefault(param.location, []).append(param)
        body, request = None, None
        request_body, request_uri, _ = resolve(self.files, data.get("requestBody"), uri) if data.get(
            "requestBody") else (None, uri, None)
        if isinstance(request_body, dict):
            media = self.media(request_body.get("content"), request_uri, "request")
            request = RequestBodyView(required=bool(request_body.get("required")), media=media,
                                      description=self.describe(request_body.get("description")))
            if media:
                body = media[0].first_example
        responses = []
        for code, response in (data.get("responses") or {}).items():
            target, target_uri, _ = resolve(self.files, response, uri)
            target = target if isinstance(target, dict) else {}
            headers = []
            for name, header in (target.get("headers") or {}).items():
                header_target, header_uri, _ = resolve(self.files, header, target_uri)
                header_target = header_target if isinstance(header_target, dict) else {}
                headers.append(HeaderView(name=name, description=self.describe(header_target.get("description")),
                                          view=self.views.schema(header_target.get("schema") or {}, header_uri)))
            responses.append(ResponseView(code=str(code), description=self.describe(target.get("description")),
                                          headers=headers,
                                          media=self.media(target.get("content"), target_uri, "response"),
                                          links=self.links(target.get("links"), target_uri)))
        callbacks = []
        for name, callback in (data.get("callbacks") or {}).items():
            target, target_uri, _ = resolve(self.files, callback, uri)
            for expression, item in (target or {}).items() if isinstance(target, dict) else []:
                item, item_uri, _ = resolve(self.files, item, target_uri)
                for method, cb_op in (item or {}).items() if isinstance(item, dict) else []:
                    if isinstance(cb_op, dict) and method in ("get", "put", "post", "delete", "patch"):
                        callback_operation = Operation(method=method, path=str(expression), data=cb_op, tag=op.tag,
                                                       kind="callback", base_uri=item_uri, parent=op.anchor)
                        callbacks.append(CallbackView(name=name, operation=self.operation(callback_operation)))
        security = []
        for requirement in data.get("security", self.api.security) or []:
            security.append([SecurityView(name=name, scopes=scopes or [],
                                          scheme=self.api.security_schemes.get(name) or {})
                             for name, scopes in requirement.items()])
        media_type = request.media[0].type if request and request.media else None
        samples = [] if op.kind == "callback" else code_samples(self.api, op, parameters, body, media_type)
        uid = self.next_uid()
        external = data.get("externalDocs") if isinstance(data.get("externalDocs"), dict) else None
        servers = [s for s in data.get("servers") or [] if isinstance(s, dict) and s.get("url")] if isinstance(
            data.get("servers"), list) else []
        return OperationView(
            op=op, uid=uid, external_docs=external, servers=servers, anchor=op.anchor, aliases=op.redoc_anchors,
            method=op.method.upper(), path=op.path, kind=op.kind,
            summary=data.get("summary") or op.operation_id or f"{op.method.upper()} {op.path}",
            description=self.describe(data.get("description")), deprecated=bool(data.get("deprecated")),
            security=security,
            parameters=[(loc, by_location[loc]) for loc in ("path", "query", "header", "cookie")
                        if loc in by_location],
            request=request, responses=responses, callbacks=callbacks,
            samples=[(s.label, _code_block(s.source, s.language)) for s in samples],
            request_examples=_aside_examples([("", m) for m in request.media] if request else []),
            response_examples=_aside_examples([(r.code, m) for r in responses for m in r.media]),
            example_uids=(self.next_uid(), self.next_uid()))


def _aside_examples(media: list[tuple[str, MediaView]]) -> list[tuple[str, str, bool]]:
    """Every example of a request or of all responses, as (tab label, text, generated): the status code, the
    media type where a code has several, the example's name where a media type has several ("" if none)."""
    types_per_code: dict[str, int] = {}
    for code, item in media:
        types_per_code[code] = types_per_code.get(code, 0) + bool(item.examples)
    result = []
    for code, item in media:
        for label, text in item.examples:
            parts = [code] if code else []
            if types_per_code[code] > 1:
                parts.append(item.type)
            if len(item.examples) > 1:
                parts.append(label)
            result.append((" · ".join(parts), text, item.generated))
    return result


MODELS_MARK = "@@devportal-models@@"
REFERENCE_MARK = "@@devportal-reference@@"  # the reference's own URL, relative to the page (its overview)
ROOT_MARK = "@@devportal-root@@"  # a site-root-relative URL follows (the "Try it" console's assets)
_ROOT_URL = re.compile(re.escape(ROOT_MARK) + r"([\w./-]+)")
BANNER_MARK = "<!--devportal:spec-problems-->"
PAGE_TEMPLATE = "devportal-apiref.html"


def install_page_template(theme_dir: Path) -> None:
    """Put the reference pages' template into a theme ``custom_dir`` that will receive their fragments."""
    theme_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATES / "page.html", theme_dir / PAGE_TEMPLATE)
RESERVED_PAGES = {"index", "models", "all"}


def _write(path: Path, front: dict[str, Any], body: str, models_link: str) -> None:
    """A staged reference page: front matter, then the HTML (schema links made relative to this page)."""
    write_page(path, {"search": REFERENCE_SEARCH, **front}, body.replace(MODELS_MARK, models_link).strip())


NAV_GROUP = 20  # tags per navigation group, for APIs with too many tags for one flat list


def tag_nav(pages: list[tuple[str, Any]], tag_groups: Any = None) -> list[dict[str, Any]]:
    """The navigation entries of an API's tag pages (a tag's page, or the entries of a split tag's pages):
    flat, or in groups when there are many.

    ``x-tagGroups`` (Redoc's extension) groups them as the spec says; tags it leaves out go to "Other".
    Otherwise more than 1.5 × NAV_GROUP tags are cut into groups of NAV_GROUP, named by their first and
    last tag. With Material's ``navigation.prune``, a page then renders its own group's entries only,
    which also keeps the build fast (every page of a flat 165-tag API listed all 165)."""
    page_of = dict(pages)
    if isinstance(tag_groups, list) and tag_groups:
        grouped, placed = [], set()
        for group in tag_groups:
            if not isinstance(group, dict):
                continue
            entries = [{tag: page_of[tag]} for tag in group.get("tags") or [] if tag in page_of and tag not in placed]
            placed.update(next(iter(entry)) for entry in entries)
            if entries:
                grouped.append({str(group.get("name") or "Operations"): entries})
        rest = [{tag: page} for tag, page in pages if tag not in placed]
        return grouped + ([{"Other": rest}] if rest else [])
    if len(pages) <= NAV_GROUP * 3 // 2:
        return [{tag: page} for tag, page in pages]
    chunks = [pages[i:i + NAV_GROUP] for i in range(0, len(pages), NAV_GROUP)]
    return [{f"{chunk[0][0]} – {chunk[-1][0]}": [{tag: page} for tag, page in chunk]} for chunk in chunks]


def write_downloads(spec_path: Path, target: Path, *, source_root: Path | None = None, remote_refs: bool = False,
                    files: SpecFiles | None = None, limits: ContentLimits = DEFAULT_LIMITS,
                    parsed: ParsedDocuments | None = None, bundle: SpecBundle | None = None) -> None:
    """``target``.json and ``target``.yaml: the spec bundled into one file, as ``redocly bundle`` makes it
    (:class:`SpecBundle`; ``bundle``: the one the rendering made of it with ``files``); a spec that is one file
    already is copied as written, comments included, in its own format."""
    files = files or SpecFiles(root=source_root, remote_refs=remote_refs, limits=limits, parsed=parsed)
    uri = files.uri_of(spec_path)
    try:
        document = files.load(uri)
    except Exception:  # noqa: BLE001 - validation reports why the spec cannot be read
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    self_contained = bundle.self_contained if bundle is not None else not has_external_refs(document)
    text = files.texts.get(uri, "")
    is_json = self_contained and _is_json(text)
    bundled = bundle.document if bundle is not None else None
    for suffix in (".json", ".yaml"):
        out = target.with_name(target.name + suffix)
        if self_contained and (suffix == ".json") == is_json:
            out.write_text(text, encoding="utf-8")
            continue
        if bundled is None:
            bundled = SpecBundle(files, uri, spec_version(document) or "3.0").document
        if suffix == ".json":
            out.write_text(pretty_json(bundled), encoding="utf-8")
        else:
            out.write_text(yaml_out.dump(bundled), encoding="utf-8")


def _is_json(text: str) -> bool:
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _copy_assets(docs_dir: Path, assets: tuple[str, ...] = ASSETS) -> None:
    for asset in assets:
        source = TEMPLATES / "assets" / PurePosixPath(asset).name
        target = docs_dir / asset
        if not target.exists():  # references rendering side by side copy the same assets: each whole, at once
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}")
            shutil.copyfile(source, temporary)
            os.replace(temporary, target)


@dataclass
class _Validation:
    """The spec's validation, finished or still running in the worker processes."""

    problems: list[Diagnostic]
    pending: Callable[[], list[Diagnostic]] | None = None  # the wait for the workers' result
    downloads: Future | None = None  # the downloads, written by a worker

    def finish(self) -> list[Diagnostic]:
        return self.pending() if self.pending else self.problems


@dataclass(frozen=True)
class ReferenceTemplateData:
    """What every template of the API reference gets (as top-level names)."""

    api: Api
    info: dict[str, Any]
    title: str
    version: str
    invalid: list[Diagnostic] | str  # the problems banner's content, or its mark when it is a fragment
    describe: Describer
    schema_html: Callable[..., Markup]
    tag_pages: dict[str, str]  # tag → its page's URL relative to the reference
    operation_pages: dict[str, str]  # an operation's anchor → the URL of its page relative to the reference
    spec_slug: str
    tags: dict[str, Any]
    operations: dict[str, list[OperationView]]  # tag → the views of its operations
    tag_anchors: Callable[[str], list[str]]
    try_it: dict[str, Any] | None = None  # the "Try it" consoles' page config and servers, when enabled

    def names(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class _PageWriter:
    """Writes a reference page: its HTML inline, or (with ``fragments_dir``) as a fragment the page's
    template includes, behind a light Markdown version for search."""

    docs_dir: Path
    fragments_dir: Path | None
    env: jinja2.Environment
    banner: str  # the problems banner's fragment

    def write(self, staged: str, front: dict[str, Any], html: str, models_link: str, views: list[OperationView],
              schema_names: list[str] = (), reference_root: str = "../") -> None:
        """``reference_root``: the reference's overview relative to this page (links between operations)."""
        html = number_code_blocks(html).replace(REFERENCE_MARK, reference_root)
        if self.fragments_dir is None:  # a page at <staged without .md>/ (directory URLs)
            _write(self.docs_dir / staged, front, html.replace(ROOT_MARK, "../" * len(PurePosixPath(staged).parts)),
                   models_link)
            return
        fragment = f"{FRAGMENTS}/{staged[:-3]}.html"
        target = self.fragments_dir / fragment
        target.parent.mkdir(parents=True, exist_ok=True)
        html = html.replace(MODELS_MARK, models_link)
        html = _raw(html).replace(BANNER_MARK, f"{{% endraw %}}{{% include '{self.banner}' %}}{{% raw %}}")
        html = _ROOT_URL.sub(lambda m: f"{{% endraw %}}{{{{ {json.dumps(m.group(1))} | url }}}}{{% raw %}}", html)
        target.write_text(html, encoding="utf-8")
        light = self.env.get_template("light.md.j2").render(heading=front["title"], views=views,
                                                            schema_names=schema_names)
        _write(self.docs_dir / staged, {**front, "template": PAGE_TEMPLATE, "fragment": fragment}, light, models_link)

    def write_banner(self, invalid: list[Diagnostic]) -> None:
        target = self.fragments_dir / self.banner
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_raw(str(self.env.get_template("macros.html.j2").module.banner(invalid))), encoding="utf-8")


def render_api_reference(spec_path: Path, *, source_root: Path, docs_dir: Path, url_prefix: str,
                         title: str | None = None, trusted: bool = False, remote_refs: bool = False,
                         display_path: str | None = None, page_meta: dict[str, Any] | None = None,
                         fragments_dir: Path | None = None, cache_dir: Path | None = None,
                         limits: ContentLimits = DEFAULT_LIMITS, workers: Executor | None = None,
                         try_it: TryIt | None = None, download_name: str | None = None,
                         title_suffix: str = "", parsed: ParsedDocuments | None = None) -> ApiReference:
    """Validate ``spec_path`` and write its reference pages under ``docs_dir / url_prefix``.

    ``page_meta`` goes into every page's front matter (the source's edit and issue links). With
    ``fragments_dir`` (a theme ``custom_dir``), each page's HTML goes there as a fragment that the page's
    template includes, and the page's Markdown is a light text version for search: MkDocs then never
    tokenizes the reference's HTML, which is most of a big API's build time. With ``workers`` (see
    :func:`reference_workers`) a big spec is validated there while its pages render. With ``try_it``, each
    operation on the tag pages and the single page gets a "Try it" console that sends requests to the API's
    servers on ``try_it.allowed_hosts`` (its script and style load on those pages only). ``download_name`` names
    the downloads (default: the last segment of ``url_prefix``); ``title_suffix`` follows the API's title (an
    older version's label). ``parsed`` lets the run's processes (the workers included) parse the spec once."""
    display = display_path or spec_path.name
    prefix = url_prefix.strip("/")
    files = SpecFiles(root=source_root, remote_refs=remote_refs, limits=limits, parsed=parsed)
    validation = _start_validation(spec_path, files, source_root=source_root, remote_refs=remote_refs,
                                   display=display, cache_dir=cache_dir, limits=limits, workers=workers,
                                   downloads_to=docs_dir / prefix / (download_name or PurePosixPath(prefix).name),
                                   wait=fragments_dir is None)
    uri = files.uri_of(spec_path)
    version = spec_version(_read_spec(files, uri))
    if version is None:
        return ApiReference(title=title or spec_path.stem, version="", description="", nav=[],
                            diagnostics=validation.finish(), assets=[])
    api = read_api(files, uri, version)
    renderer = _Renderer(api, files, trusted)
    api_title = (title or str(api.info.get("title") or spec_path.stem)) + title_suffix
    spec_slug = download_name or PurePosixPath(prefix).name
    groups = api.by_tag()
    tag_pages = _tag_pages(groups)
    parts = {tag: _tag_parts(tag_pages[tag], ops) for tag, ops in groups.items()}
    operation_pages = {op.anchor: part[:-3] + "/" for tag_parts in parts.values() for part, ops in tag_parts
                       for op in ops}
    renderer.models_link = MODELS_MARK
    renderer.operation_hrefs = {op.operation_id: f"{REFERENCE_MARK}{operation_pages[op.anchor]}#{op.anchor}"
                                for op in api.operations if op.operation_id}
    operations = {tag: [renderer.operation(op) for op in ops] for tag, ops in groups.items()}
    try_it_page = _try_it_consoles(api, files, try_it, api_title, operations)
    problems, invalid = _as_warnings(validation.problems)
    data = ReferenceTemplateData(
        api=api, info=api.info, title=api_title, version=str(api.info.get("version", "")),
        invalid=invalid if fragments_dir is None else BANNER_MARK, describe=renderer.describe,
        schema_html=renderer.schema_html, tag_pages={t: p[:-3] + "/" for t, p in tag_pages.items()},
        operation_pages=operation_pages,
        spec_slug=spec_slug, tags=api.tags, operations=operations, tag_anchors=tag_anchors, try_it=try_it_page)
    writer = _PageWriter(docs_dir, fragments_dir, renderer.env, banner=f"{FRAGMENTS}/{prefix}/{BANNER}")
    reference = ApiReference(title=api_title, version=str(api.info.get("version", "")),
                             description=str(api.info.get("description") or "").strip().split("\n")[0],
                             nav=[], diagnostics=problems, lifecycle=_lifecycle(api))
    meta = dict(page_meta or {})
    aliases = _aliases(operations, tag_pages, operation_pages)
    by_tag = len(api.operations) > LISTED_OPERATIONS
    if by_tag:
        (docs_dir / prefix).mkdir(parents=True, exist_ok=True)
        (docs_dir / prefix / ANCHOR_MAP).write_text(compact_json(aliases), encoding="utf-8")
    _write_overview(writer, reference, data, meta, prefix, aliases, by_tag)
    _write_tag_pages(writer, reference, data, meta, prefix, tag_pages, parts)
    _write_models(writer, reference, data, meta, prefix, renderer, files, uri)
    _write_single_page(writer, reference, data, meta, prefix, aliases, by_tag)
    if validation.downloads is None:
        write_downloads(spec_path, docs_dir / prefix / spec_slug, files=files, bundle=api.bundle)
    else:
        validation.downloads.result()
    _copy_assets(docs_dir)
    if try_it_page is not None:
        _copy_assets(docs_dir, TRY_IT_ASSETS)
    if fragments_dir is not None:
        if validation.pending is not None:
            problems, invalid = _as_warnings(validation.pending())
            reference.diagnostics = problems
        writer.write_banner(invalid)
    reference.inputs = sorted(files.texts)
    return reference


def _lifecycle(api: Api) -> dict[str, Any]:
    """What the spec says of its own lifecycle: ``info.x-deprecated``, and ``info.x-sunset`` (or a top-level
    ``x-sunset``) as an ISO date."""
    sunset = api.info.get("x-sunset") or api.document.get("x-sunset")
    return {"deprecated": api.info.get("x-deprecated") is True,
            "sunset": sunset.isoformat() if hasattr(sunset, "isoformat") else str(sunset) if sunset else None}


def _try_it_consoles(api: Api, files: SpecFiles, try_it: TryIt | None, api_title: str,
                     operations: dict[str, list[OperationView]]) -> dict[str, Any] | None:
    """The "Try it" page config, and each operation view's console, when ``try_it`` is enabled."""
    if try_it is None:
        return None
    consoles = ConsoleData(api, files, try_it)
    servers = consoles.allowed_servers()
    if servers:
        for ops in operations.values():
            for view in ops:
                view.try_it = consoles.operation(view) if view.kind != "webhook" else None
    return {"config": {**try_it.page_config(api_title, api.security_schemes), "servers": servers},
            "servers": servers}


def _start_validation(spec_path: Path, files: SpecFiles, *, source_root: Path, remote_refs: bool, display: str,
                      cache_dir: Path | None, limits: ContentLimits, workers: Executor | None, downloads_to: Path,
                      wait: bool) -> _Validation:
    """Validate the spec here, or (a big spec, with ``workers``) start it in the workers with its downloads;
    ``wait`` waits for the workers' result (no fragments: the banner is part of the pages)."""
    if workers is None or not PARALLEL_VALIDATION_BYTES < spec_path.stat().st_size <= limits.spec_bytes:
        return _Validation(validate_spec(spec_path, source_root=source_root, remote_refs=remote_refs,
                                         display_path=display, files=files, cache_dir=cache_dir, limits=limits))
    # openapi-spec-validator takes seconds on a big spec: validate in other processes while rendering.
    # The problems banner is then a fragment of its own, written once they are known.
    pending = validate_spec_in_background(workers, spec_path, source_root=source_root, remote_refs=remote_refs,
                                          display_path=display, cache_dir=cache_dir, limits=limits,
                                          parsed=files.parsed)
    # The YAML download of a big JSON spec takes seconds to write: one more job for the workers.
    downloads = workers.submit(write_downloads, spec_path, downloads_to, source_root=source_root,
                               remote_refs=remote_refs, limits=limits, parsed=files.parsed)
    if wait:
        return _Validation(pending(), downloads=downloads)
    return _Validation([], pending=pending, downloads=downloads)


def _read_spec(files: SpecFiles, uri: str) -> Any:
    """The spec's document, or None when it cannot be read (the validation reports why)."""
    if uri not in files.documents:  # a cached validation read nothing: read the spec now
        try:
            files.load(uri)
        except Exception:  # noqa: BLE001 - the validation result already reports why it cannot be read
            pass
    return files.documents.get(uri)


def _tag_pages(groups: dict[str, list[Operation]]) -> dict[str, str]:
    """Tag → its page's file name (a slug of the tag that names no other page of the reference)."""
    tag_pages: dict[str, str] = {}
    for tag in groups:
        name = slug(tag, "default")
        while name in RESERVED_PAGES or f"{name}.md" in tag_pages.values():
            name += "-operations"
        tag_pages[tag] = f"{name}.md"
    return tag_pages


def _tag_parts(page: str, ops: list[Operation]) -> list[tuple[str, list[Operation]]]:
    """A tag's pages of operations, each (file name, its operations): the tag's own page when it has at most
    :data:`TAG_PAGE_OPERATIONS`, else parts ``<tag>/part-N.md`` of that many, in the spec's order."""
    if len(ops) <= TAG_PAGE_OPERATIONS:
        return [(page, ops)]
    return [(f"{page[:-3]}/part-{number}.md", ops[start:start + TAG_PAGE_OPERATIONS])
            for number, start in enumerate(range(0, len(ops), TAG_PAGE_OPERATIONS), start=1)]


def _as_warnings(problems: list[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """An invalid spec is still rendered (with a banner): its errors become warnings, which strict mode
    still fails the build on. Also returns the spec's own problems, for the banner."""
    problems = [p if p.severity is not Severity.ERROR else warning(
        p.file, p.message, code=p.code, hint=p.hint, line=p.line, column=p.column, pointer=p.pointer)
        for p in problems]
    return problems, [p for p in problems if p.code.startswith("spec-")]


def _aliases(operations: dict[str, list[OperationView]], tag_pages: dict[str, str],
             operation_pages: dict[str, str]) -> dict[str, str]:
    """Redoc-style anchor → where it is now: a link to a whole tag lands at the top of its page."""
    aliases = {}
    for tag in operations:
        for alias in tag_anchors(tag):
            aliases[alias] = tag_pages[tag][:-3] + "/"
    for ops in operations.values():
        for view in ops:
            for alias in [view.anchor, *view.aliases]:
                aliases[alias] = f"{operation_pages[view.anchor]}#{view.anchor}"
    return aliases


def _write_overview(writer: _PageWriter, reference: ApiReference, data: ReferenceTemplateData,
                    meta: dict[str, Any], prefix: str, aliases: dict[str, str], by_tag: bool) -> None:
    """The overview; ``by_tag``: it lists the tags rather than every operation (:data:`LISTED_OPERATIONS`)."""
    overview = f"{prefix}/index.md"
    writer.write(overview, {**meta, "title": data.title, "hide": ["toc"], "api_reference": True},
                 writer.env.get_template("overview.md.j2").render(**data.names(), aliases=aliases, page="overview",
                                                                  anchor_map=ANCHOR_MAP if by_tag else None),
                 "models/", [], reference_root="")
    reference.pages[overview] = {"servers", "authentication", "operations"}
    reference.nav.append({"Overview": overview})


def _write_tag_pages(writer: _PageWriter, reference: ApiReference, data: ReferenceTemplateData,
                     meta: dict[str, Any], prefix: str, tag_pages: dict[str, str],
                     parts: dict[str, list[tuple[str, list[Operation]]]]) -> None:
    """Each tag's page; a big tag's page lists its operations, which are on its parts (:func:`_tag_parts`).

    The tag's page keeps an element with each operation's anchor (its entry in the list, with its part's
    URL), so every link made before the split still lands: the page's script follows it to the part."""
    nav = []
    tag_template = writer.env.get_template("tag.md.j2")
    for tag, page in tag_pages.items():
        staged = f"{prefix}/{page}"
        ops = data.operations[tag]
        views = iter(ops)  # the views of parts[tag]'s operations, in the same order
        pages = [(part, [next(views) for _ in part_ops]) for part, part_ops in parts[tag]]
        for part, part_ops in pages:
            for view in part_ops:
                if view.op.operation_id:
                    reference.operations[view.op.operation_id] = (f"{prefix}/{part}", view.anchor)
                if view.kind in ("operation", "webhook"):  # named as `devportal diff` names them
                    name = f"{view.method} {view.path}" + (" (webhook)" if view.kind == "webhook" else "")
                    reference.endpoints.setdefault(name, (f"{prefix}/{part}", view.anchor))
        if len(pages) == 1:
            writer.write(staged, {**meta, "title": f"{tag} – {data.title}", "hide": ["toc"], "api_reference": True},
                         tag_template.render(**data.names(), tag=tag, tag_object=data.api.tags.get(tag) or {},
                                             ops=ops, page="tag"), "../models/", ops)
            reference.pages[staged] = set(tag_anchors(tag)) | {view.anchor for view in ops}
            nav.append((tag, staged))
            continue
        listing = [{"label": _part_label(number, part_ops), "url": f"{PurePosixPath(part).stem}/", "ops": part_ops}
                   for number, (part, part_ops) in enumerate(pages)]
        writer.write(staged, {**meta, "title": f"{tag} – {data.title}", "hide": ["toc"], "api_reference": True},
                     tag_template.render(**data.names(), tag=tag, tag_object=data.api.tags.get(tag) or {}, ops=[],
                                         parts=listing, page="tag"), "../models/", [])
        for number, (part, part_ops) in enumerate(pages):
            label = listing[number]["label"]
            neighbours = {"previous": listing[number - 1] if number else None,
                          "next": listing[number + 1] if number + 1 < len(listing) else None}
            writer.write(f"{prefix}/{part}", {**meta, "title": f"{tag}, {label} – {data.title}", "hide": ["toc"],
                                              "api_reference": True},
                         tag_template.render(**data.names(), tag=tag, tag_object={}, ops=part_ops, page="tag",
                                             part={"label": label, "number": number + 1, "count": len(pages),
                                                   **neighbours}),
                         "../../models/", part_ops, reference_root="../../")
            reference.pages[f"{prefix}/{part}"] = {view.anchor for view in part_ops}
        # after its parts: a guide's link to an operation's anchor finds the part first
        reference.pages[staged] = set(tag_anchors(tag)) | {view.anchor for view in ops}
        nav.append((tag, [{"All operations": staged},
                          *({item["label"].capitalize(): f"{prefix}/{part}"} for item, (part, _) in zip(
                              listing, pages, strict=True))]))
    reference.nav += tag_nav(nav, data.api.document.get("x-tagGroups"))


def _part_label(number: int, part_ops: list[OperationView]) -> str:
    """A part's name in the navigation and in its title: which of the tag's operations it holds."""
    first = number * TAG_PAGE_OPERATIONS + 1
    return f"operations {first}–{first + len(part_ops) - 1}"


def _write_models(writer: _PageWriter, reference: ApiReference, data: ReferenceTemplateData, meta: dict[str, Any],
                  prefix: str, renderer: _Renderer, files: SpecFiles, uri: str) -> None:
    # Every component schema is on the models page, so in a big API a schema's named children are links there.
    models_views = renderer.views if renderer.views.named_depth is None else Views(
        data.api, files, renderer.describe, named_depth=1)
    schema_views = [(name, models_views.schema({"$ref": ref}, uri)) for ref, name in data.api.schema_refs.items()]
    models = f"{prefix}/models.md"
    front = {**meta, "title": f"Models – {data.title}", "api_reference": True,
             "search": meta.get("search", MODELS_SEARCH)}
    template = writer.env.get_template("models.md.j2")
    if len(schema_views) <= MODELS_PAGE_SCHEMAS:
        writer.write(models, front, template.render(**data.names(), schemas=schema_views, page="models"),
                     "", [], [name for name, _ in schema_views])
        reference.pages[models] = {f"schema-{name}" for name, _ in schema_views}
        reference.nav.append({"Models": models})
        return
    # Many schemas: the models page lists them all, each entry keeping its schema's anchor, which the page's
    # script follows to the part that shows it (as a big tag's page does), so every link to a model lands.
    chunks = [schema_views[start:start + MODELS_PAGE_SCHEMAS]
              for start in range(0, len(schema_views), MODELS_PAGE_SCHEMAS)]
    listing = [{"label": f"models {number * MODELS_PAGE_SCHEMAS + 1}–{number * MODELS_PAGE_SCHEMAS + len(chunk)}",
                "url": f"part-{number + 1}/", "names": [name for name, _ in chunk]}
               for number, chunk in enumerate(chunks)]
    writer.write(models, front, template.render(**data.names(), schemas=[], parts=listing, page="models"),
                 "", [])
    for number, chunk in enumerate(chunks):
        part = f"{prefix}/models/part-{number + 1}.md"
        neighbours = {"previous": listing[number - 1] if number else None,
                      "next": listing[number + 1] if number + 1 < len(listing) else None}
        writer.write(part, {**front, "title": f"Models, {listing[number]['label']} – {data.title}"},
                     template.render(**data.names(), schemas=chunk, page="models",
                                     part={"label": listing[number]["label"], "number": number + 1,
                                           "count": len(chunks), **neighbours}),
                     "../", [], [name for name, _ in chunk], reference_root="../../")
        reference.pages[part] = {f"schema-{name}" for name, _ in chunk}
    reference.pages[models] = {f"schema-{name}" for name, _ in schema_views}  # after the parts, as for tags
    reference.nav.append({"Models": [{"All models": models}, *({item["label"].capitalize(): f"{prefix}/models/"
                                                                f"part-{number + 1}.md"}
                                                               for number, item in enumerate(listing))]})


def _write_single_page(writer: _PageWriter, reference: ApiReference, data: ReferenceTemplateData,
                       meta: dict[str, Any], prefix: str, aliases: dict[str, str], by_tag: bool) -> None:
    """The whole API on one page; ``by_tag``: too big for one, it lists the tags' pages instead, and a link to
    an operation's anchor on it is sent on to the operation (the anchor map)."""
    single = f"{prefix}/all.md"
    writer.write(single, {**meta, "title": f"{data.title} (single page)", "hide": ["toc"], "api_reference": True,
                          "search": {"exclude": True}},
                 writer.env.get_template("single.md.j2").render(**data.names(),
                                                                compact=len(data.api.operations) > BIG_SPEC,
                                                                aliases=aliases, page="single",
                                                                anchor_map=f"../{ANCHOR_MAP}" if by_tag else None),
                 "../models/", [])
    reference.pages[single] = {view.anchor for ops in data.operations.values() for view in ops}
    reference.nav.append({"Single page": single})


def _raw(html: str) -> str:
    """``html`` as a Jinja template that outputs it as is, whatever it contains.

    A spec's text is untrusted and Jinja runs what follows the end of a raw block: every ``{%`` of ``html``
    is output by an expression, so that no spelling of ``endraw`` Jinja's lexer accepts (``{%endraw%}``,
    ``{%- endraw %}``, ``{%+ endraw -%}``, across lines) is left in the raw text to end it early."""
    return "{% raw %}" + html.replace("{%", "{% endraw %}{{ '{%' }}{% raw %}") + "{% endraw %}"
