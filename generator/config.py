"""The plugin's configuration, declared as typed MkDocs option classes.

The same classes validate ``plugins: - devportal: ...`` whether the config is read by ``mkdocs``
(through :mod:`generator.plugin`) or by the ``devportal`` command (through :func:`load_portal_config`).
Unknown keys get a "did you mean" hint; every problem becomes a :class:`Diagnostic`.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c

from generator.diagnostics import Diagnostic, DiagnosticError, Diagnostics, error, info, warning
from generator.positions import Positions, json_pointer
from generator.repo_files import MB, ContentLimits, glob_problem
from generator.yaml12 import yaml_error

DEFAULT_PAGES = ["docs/**/*.md", "README.md"]
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
#: Host → environment variable holding a token for its private repos (``auth:`` adds to or overrides it).
DEFAULT_AUTH = {"github.com": "GITHUB_TOKEN"}


class RepoGlob(c.Type):
    """A glob (or path) inside a repo: relative, and never reaching out of it with ``..``."""

    def __init__(self, default: str | None = None) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        value = super().run_validation(value)
        problem = glob_problem(value)
        if problem:
            raise c.ValidationError(f"`{value}` {problem}")
        return value


class IsoDate(c.BaseConfigOption[str]):
    """A calendar date, ``YYYY-MM-DD`` (YAML reads an unquoted one as a date: both are taken)."""

    def run_validation(self, value: object) -> str:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise c.ValidationError(f"expected a date written YYYY-MM-DD, got `{value}`")


#: Names an API version may not take: they are the reference's own pages (``<spec>/models/``...).
RESERVED_VERSION_NAMES = {"index", "models", "all", "assets"}


class VersionConfig(base.Config):
    """An older version of one of the source's APIs, published beside the current one."""

    name = c.Type(str)
    """The version's label and URL segment: ``/<source>/api/<spec>/<name>/``."""
    spec = c.Optional(RepoGlob())
    """The current spec (a path matched by ``specs:``) this is an older version of; optional when the
    source has one spec."""
    file = c.Optional(RepoGlob())
    """The old version's spec file, in the same checkout (side by side with the current one)."""
    ref = c.Optional(c.Type(str))
    """A Git tag, branch or commit of the source's repo: the version is ``file`` (default: ``spec``) at that ref."""
    deprecated = c.Type(bool, default=False)
    """Show the version as deprecated (its banner says so; the spec's ``info.x-deprecated`` does too)."""
    sunset = c.Optional(IsoDate())
    """The day the version stops working, ``YYYY-MM-DD`` (else the spec's ``info.x-sunset`` or ``x-sunset``)."""


class SourceConfig(base.Config):
    """One Git repository (or local folder) whose docs and specs become a section of the portal."""

    name = c.Type(str)
    """URL prefix of the source's section in the portal, e.g. ``payments`` → ``/payments/``."""
    repo = c.Type(str)
    """``owner/repo`` on GitHub, any Git URL (``https://``, ``ssh``, ``file://``) or a local folder."""
    ref = c.Optional(c.Type(str))
    """Branch, tag or commit. Default: the remote's default branch (HEAD)."""
    pages = c.ListOfItems(RepoGlob(), default=list(DEFAULT_PAGES))
    """Globs (relative to the repo root) of the Markdown pages (``.md``, ``.mdx``, ``.markdown``) to publish."""
    exclude = c.ListOfItems(RepoGlob(), default=[])
    """Globs of Markdown files not to publish (partials, templates, changelogs...)."""
    specs = c.ListOfItems(RepoGlob(), default=[])
    """Globs of the OpenAPI / Swagger specs to render as API reference."""
    title = c.Optional(c.Type(str))
    """Section title in the navigation and the API overview. Default: the name."""
    area = c.Optional(c.Type(str))
    """The area (a group of APIs, e.g. ``Payments``) the source is listed under in the navigation's APIs
    section. Default: none; sources without an area are grouped alphabetically when there are many."""
    description = c.Type(str, default="")
    """One line for the portal's API overview table."""
    nav_file = c.Type(str, default=".devportal-nav.yml")
    """Optional file in the repo that orders the section's navigation."""
    web_url = c.Optional(c.Type(str))
    """The repo's web page, for "Edit on GitHub" / "Report a problem". Default: derived from ``repo``."""
    edit_branch = c.Optional(c.Type(str))
    """Branch the edit links point at. Default: ``ref``, else ``main``."""
    trusted = c.Type(bool, default=False)
    """Let raw HTML in this source's Markdown and spec descriptions through unsanitized, and publish any
    file its pages link (untrusted: only images, sanitized SVG, video and plain downloads)."""
    remote_refs = c.Type(bool, default=False)
    """Allow ``$ref`` to ``http(s)://`` URLs in this source's specs."""
    published_urls = c.ListOfItems(c.Type(str), default=[])
    """URL prefixes where this source's pages were published before (rewritten to portal links)."""
    versions = c.ListOfItems(c.SubConfig(VersionConfig), default=[])
    """Older versions of the source's APIs, each with its own reference (see :class:`VersionConfig`)."""
    current_version = c.Optional(c.Type(str))
    """Label of the current version of the source's APIs in the version switcher. Default: the spec's
    ``info.version``."""
    try_it = c.Optional(c.Type(bool))
    """Show the "Try it" console in this source's API reference. Default: the portal's ``try_it.enabled``.
    Requests still go only to the portal's ``try_it.allowed_hosts``."""


class UpdatesConfig(base.Config):
    """Where the technical-updates archive comes from."""

    enabled = c.Type(bool, default=True)
    dir = c.Type(str, default="content/portal/updates")
    """Folder of update files, inside ``content_dir`` (used when ``source`` is not set)."""
    source = c.Optional(c.Type(str))
    """Name of a source whose repo holds the updates."""
    glob = RepoGlob(default="*.md")
    """Glob of update files inside ``dir`` or inside the ``source``'s repo."""
    url = c.Type(str, default="updates")
    """URL prefix of the archive in the portal."""


class FeedbackConfig(base.Config):
    """Material's "Was this page helpful?" widget."""

    enabled = c.Type(bool, default=True)
    endpoint = c.Optional(c.Type(str))
    """URL that receives ``POST {page, title, rating, source}`` as JSON. Without it (or with
    ``enabled: false``) the widget is hidden, and ``devportal check`` reports that."""


class TryItConfig(base.Config):
    """The API reference's "Try it" console: readers send real requests from the page, to approved hosts only."""

    enabled = c.Type(bool, default=False)
    """Show the console in every source's reference (a source's own ``try_it`` overrides it)."""
    allowed_hosts = c.ListOfItems(c.Type(str), default=[])
    """Hosts (``api.example.com``, or ``host:port``) the console may send requests to. A server of a spec
    elsewhere is never called: a source's spec cannot point readers' credentials at a host you did not approve."""
    proxy = c.Optional(c.Type(str))
    """URL prefix of a CORS proxy for APIs that send no CORS headers: the console requests
    ``<proxy><request URL>``. The proxy then sees every header and body, credentials included."""


class ApiNavConfig(base.Config):
    """How the sources appear in the navigation: one section of all APIs with an index page, grouped into areas,
    so that each page carries only its own area's entries and the site grows linearly with the sources."""

    title = c.Type(str, default="APIs")
    """Title of the navigation section of all APIs."""
    url = c.Type(str, default="apis")
    """URL of the generated index page of all APIs (``/apis/``)."""
    area_size = c.Type(int, default=12)
    """Most sources listed together without an area: more are split into alphabetical areas (``A–F``)."""


class LimitsConfig(base.Config):
    """How much of a source the build reads: a bigger file or repo is an error naming it, never a hang."""

    page_mb = c.Type((int, float), default=5)
    """Largest Markdown page (also partials, nav and update files), in MB."""
    spec_mb = c.Type((int, float), default=25)
    """Largest spec file (and each file its ``$ref``s reach), in MB; checked before the file is read."""
    pages = c.Type(int, default=5000)
    """Most Markdown pages one source may publish."""
    walked_files = c.Type(int, default=200_000)
    """Most files and folders one source's globs may look at."""
    spec_history = c.Type(int, default=50)
    """Most commits changing a spec that its API changelog shows (the newest ones); 0 reads no Git history."""

    def content_limits(self) -> ContentLimits:
        return ContentLimits(page_bytes=int(self.page_mb * MB), spec_bytes=int(self.spec_mb * MB), pages=self.pages,
                             walked_files=self.walked_files)


class PortalConfig(base.Config):
    """``plugins: - devportal:`` in ``mkdocs.yml``."""

    sources = c.ListOfItems(c.SubConfig(SourceConfig), default=[])
    content_dir = c.Type(str, default="content/portal")
    """The portal's own pages (home, getting started, ...), relative to ``mkdocs.yml``."""
    cache_dir = c.Type(str, default=".devportal/cache")
    """Where Git clones are kept between builds."""
    stage_dir = c.Type(str, default=".devportal/stage")
    """Where the staged docs tree and the generated ``mkdocs.yml`` are written."""
    lock_file = c.Type(str, default="devportal.lock")
    strict = c.Type(bool, default=False)
    """Treat warnings (broken links, invalid specs) as errors."""
    offline = c.Type(bool, default=False)
    """Never contact remotes; build from the cache and the lock file."""
    jobs = c.Type(int, default=4)
    """How many sources are fetched in parallel."""
    auth = c.DictOfItems(c.Type(str), default={})
    """Host (or ``host:port``) → ``[user:]VARIABLE``: the environment variable holding a token for that host's
    private repos over https, e.g. ``{gitlab.example.com: GITLAB_TOKEN}``. Added to the default
    ``{github.com: GITHUB_TOKEN}``; an empty value turns a host's token off. ``user`` defaults to
    ``x-access-token``."""
    updates = c.SubConfig(UpdatesConfig)
    feedback = c.SubConfig(FeedbackConfig)
    redirects = c.DictOfItems(c.Type(str), default={})
    """Old portal path → new portal path; each becomes a redirect page."""
    published_url = c.Optional(c.Type(str))
    """URL of the published portal; absolute links to it are checked and made relative."""
    limits = c.SubConfig(LimitsConfig)
    """Size limits on what sources provide (see :class:`LimitsConfig`)."""
    try_it = c.SubConfig(TryItConfig)
    """The API reference's "Try it" console (see :class:`TryItConfig`); off unless enabled."""
    lifecycle_page = c.Type(str, default="lifecycle.md")
    """The portal page (in ``content_dir``) of the API lifecycle policy, linked from older API versions'
    banners when it exists."""
    search = c.Choice(("pagefind", "lunr"), default="pagefind")
    """The search engine: ``pagefind`` (a chunked index a query loads only parts of, built after the site) or
    ``lunr`` (Material's built-in search: one index of every heading, downloaded whole by every reader)."""
    api_nav = c.SubConfig(ApiNavConfig)
    """The navigation's section of all APIs (see :class:`ApiNavConfig`)."""


SUB_CONFIGS = {"updates": UpdatesConfig, "feedback": FeedbackConfig, "limits": LimitsConfig,
               "try_it": TryItConfig, "api_nav": ApiNavConfig}


@dataclass
class ProjectConfig:
    """What the ``devportal`` command needs from ``mkdocs.yml``: the file, its raw data and the plugin part."""

    path: Path
    raw: dict[str, Any]
    portal: PortalConfig

    @property
    def root(self) -> Path:
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the folder of ``mkdocs.yml``."""
        return (self.root / relative).resolve()

    def where(self, *parts: str | int) -> dict[str, int]:
        """``line=``/``column=`` in ``mkdocs.yml`` of a plugin setting, e.g. ``where("sources", 2, "pages")``."""
        return self._positions(*parts)

    @cached_property
    def _positions(self) -> Callable[..., dict[str, int]]:
        return settings_positions(self.path.read_text(encoding="utf-8") if self.path.is_file() else "")


class _TaggedLoader(yaml.SafeLoader):
    """Loads ``mkdocs.yml`` without running anything: unknown tags (``!!python/name:...``,
    ``!ENV``, ``!relative``) are kept as :class:`Tagged` values and written back unchanged."""


@dataclass(frozen=True)
class Tagged:
    tag: str
    value: Any


def _construct_tagged(loader: yaml.Loader, suffix_or_tag, node=None):
    if node is None:  # multi-constructor without suffix
        node, tag = suffix_or_tag, ""
    else:
        tag = suffix_or_tag
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged(tag, value)


_TaggedLoader.add_multi_constructor("!", _construct_tagged)
_TaggedLoader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_tagged)


class TaggedDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Writes :class:`Tagged` values back with their tag, for the generated ``mkdocs.yml``. Its emitter is
    libyaml's when PyYAML has it: four times faster on the staged navigation (0.038 → 0.009 s at the scale
    benchmark's M, the same bytes), and it writes every text so that it reads back the same (PyYAML's own
    emitter wrote a NEL, U+0085, as it is, and a loader read it as a line break)."""


def _represent_tagged(dumper: yaml.Dumper, data: Tagged):
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    text = str(data.value)  # an empty value quoted, as both emitters then write it (`!!python/name:x ''`)
    return dumper.represent_scalar(data.tag, text, style="'" if not text else None)


TaggedDumper.add_representer(Tagged, _represent_tagged)


def read_mkdocs_yml(path: Path) -> dict[str, Any]:
    """Read ``mkdocs.yml`` as data, with a file:line error when it is not valid YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DiagnosticError([error(str(path), f"cannot read the config: {exc.strerror}",
                                     code="config-missing",
                                     hint="run devportal in the folder of mkdocs.yml or pass -f PATH")]) from exc
    try:
        data = yaml.load(text, Loader=_TaggedLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        raise DiagnosticError([yaml_error(str(path), exc, subject="the config", code="config-yaml",
                                          hint="check the indentation and quoting around this line")]) from exc
    if not isinstance(data, dict):
        raise DiagnosticError([error(str(path), "the config must be a mapping of settings",
                                     code="config-yaml", hint="start with `site_name: ...`")])
    return data


def plugin_settings(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The ``devportal`` entry of ``plugins:`` (``None`` when the plugin is not listed)."""
    for entry in raw.get("plugins") or []:
        if entry == "devportal":
            return {}
        if isinstance(entry, dict) and "devportal" in entry:
            return entry["devportal"] or {}
    return None


def settings_positions(text: str) -> Callable[..., dict[str, int]]:
    """``where(*key_path)`` → ``{"line": …, "column": …}`` of a key inside the devportal plugin's settings
    in the text of ``mkdocs.yml`` (``where("sources", 2, "name")``); ``{}`` when there is no text."""
    found = Positions(text)  # the text is read on the first call: a config without problems asks for none

    @functools.cache
    def base() -> str | None:
        return found.find(r"/plugins(/\d+)?/devportal") if text else None

    def where(*parts: object) -> dict[str, int]:
        if base() is None:
            return {}
        return dict(zip(("line", "column"), found(base() + json_pointer(*parts)), strict=True))

    return where


def _dotted(path: tuple) -> str:
    """``("sources", 2, "name")`` → ``sources[2].name``, as the messages name a setting."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def feedback_diagnostics(project: ProjectConfig) -> list[Diagnostic]:
    """Material's feedback widget is configured (``extra.analytics.feedback``) but no endpoint receives its
    answers: the widget is hidden (an answer nobody receives would be lost while the reader is thanked)."""
    analytics = (project.raw.get("extra") or {}).get("analytics") or {}
    feedback = project.portal.feedback
    if not isinstance(analytics, dict) or not analytics.get("feedback") or (feedback.enabled and feedback.endpoint):
        return []
    text = project.path.read_text(encoding="utf-8") if project.path.is_file() else ""
    reason = "`feedback: {enabled: false}`" if not feedback.enabled else "no `feedback: {endpoint: URL}`"
    return [info(str(project.path), f"the feedback widget (extra.analytics.feedback) is hidden: {reason} in the "
                 "devportal plugin's settings receives the readers' answers", code="feedback-hidden",
                 **Positions(text).where("extra", "analytics", "feedback"),
                 hint="set `feedback: {endpoint: https://...}` under `- devportal:` (it receives a JSON POST of "
                      "page, title, rating and source), or remove `feedback:` from `extra.analytics`")]


def _did_you_mean(key: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def validate_portal_config(settings: dict[str, Any], file: str, text: str = "") -> tuple[PortalConfig,
                                                                                        Diagnostics]:
    """Validate the plugin settings; unknown keys get a "did you mean" hint, every problem names its key and,
    given the text of ``mkdocs.yml``, the line of that key."""
    problems = Diagnostics()
    where = settings_positions(text)
    # Unknown keys first, with hints: MkDocs only warns about them.
    scopes: list[tuple[tuple, dict, type[base.Config]]] = [((), settings, PortalConfig)]
    sources = settings.get("sources")
    for index, src in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(src, dict):
            scopes.append((("sources", index), src, SourceConfig))
            versions = src.get("versions")
            for number, version in enumerate(versions if isinstance(versions, list) else []):
                if isinstance(version, dict):
                    scopes.append((("sources", index, "versions", number), version, VersionConfig))
    for key, schema in SUB_CONFIGS.items():
        if isinstance(settings.get(key), dict):
            scopes.append(((key,), settings[key], schema))
    for path, data, schema in scopes:
        known = [name for name, _ in schema._schema]
        for key in data:
            if key not in known:
                problems.add(error(file, f"unknown setting `{_dotted((*path, key))}` in the devportal plugin",
                                   code="config-unknown-key", **where(*path, key),
                                   hint=_did_you_mean(str(key), known) or f"known settings: {', '.join(known)}"))
    clean = _without_unknown(settings)
    cfg = PortalConfig(config_file_path=file)
    cfg.load_dict(clean)
    failed, warns = cfg.validate()
    for path, message in _each_failure(clean, failed):
        problems.add(error(file, f"`{_dotted(path)}`: {message}", code="config-invalid", **where(*path),
                           hint="see the source configuration reference in README.md"))
    for key, message in warns:
        if "Unrecognised" not in str(message):
            problems.add(warning(file, f"`{key}`: {message}", code="config-warning", **where(*key.split("."))))
    if not failed:
        problems.extend(_check_sources(cfg, file, where))
    return cfg, problems


def _each_failure(clean: dict[str, Any], failed: list[tuple[str, Exception]]) -> Iterator[tuple[tuple, str]]:
    """MkDocs stops at the first bad setting and names only ``sources`` for a bad source: find every bad
    setting, in each source and sub-config too, so each problem is reported with its own key, e.g.
    ``sources[2].name``."""
    if not failed:
        return
    for key, exc in _every_failure(PortalConfig, clean):
        value = clean.get(key)
        if key == "sources" and isinstance(value, list):
            parts = [(("sources", index), SourceConfig, item) for index, item in enumerate(value)]
        elif key in SUB_CONFIGS and isinstance(value, dict):
            parts = [((key,), SUB_CONFIGS[key], value)]
        else:
            yield (key,), str(exc)
            continue
        found = False
        for path, schema, item in parts:
            if not isinstance(item, dict):
                found = True
                yield path, f"expected a mapping of settings, got {type(item).__name__}"
                continue
            for sub_key, sub_exc in _every_failure(schema, item):
                found = True
                versions = item.get(sub_key)
                if schema is SourceConfig and sub_key == "versions" and isinstance(versions, list):
                    yield from _version_failures((*path, sub_key), versions, str(sub_exc))
                else:
                    yield (*path, sub_key), str(sub_exc)
        if not found:
            yield (key,), str(exc)


def _version_failures(path: tuple, versions: list, fallback: str) -> Iterator[tuple[tuple, str]]:
    """Each bad setting of a source's ``versions`` items, e.g. ``sources[0].versions[1].sunset``."""
    found = False
    for number, item in enumerate(versions):
        if not isinstance(item, dict):
            found = True
            yield (*path, number), f"expected a mapping of settings, got {type(item).__name__}"
            continue
        for key, exc in _every_failure(VersionConfig, item):
            found = True
            yield (*path, number, key), str(exc)
    if not found:
        yield path, fallback


def _every_failure(schema: type[base.Config], data: dict[str, Any]) -> list[tuple[str, Exception]]:
    """Every failing option of ``data`` (MkDocs' ``validate()`` stops at the first): validate again
    without the options already found bad."""
    failures: list[tuple[str, Exception]] = []
    data = dict(data)
    while True:
        config = schema()
        config.load_dict(data)
        failed = [(key, exc) for key, exc in config.validate()[0] if key not in {k for k, _ in failures}]
        failures += failed
        if not any(key in data for key, _ in failed):
            return failures
        for key, _ in failed:
            data.pop(key, None)


def _without_unknown(settings: dict[str, Any]) -> dict[str, Any]:
    known = {name for name, _ in PortalConfig._schema}
    clean = {k: v for k, v in settings.items() if k in known}
    if isinstance(clean.get("sources"), list):
        src_known = {name for name, _ in SourceConfig._schema}
        clean["sources"] = [{k: v for k, v in s.items() if k in src_known} if isinstance(s, dict) else s
                            for s in clean["sources"]]
        version_known = {name for name, _ in VersionConfig._schema}
        for src in clean["sources"]:
            if isinstance(src, dict) and isinstance(src.get("versions"), list):
                src["versions"] = [{k: v for k, v in item.items() if k in version_known} if isinstance(item, dict)
                                   else item for item in src["versions"]]
    for key, schema in SUB_CONFIGS.items():
        if isinstance(clean.get(key), dict):
            sub_known = {name for name, _ in schema._schema}
            clean[key] = {k: v for k, v in clean[key].items() if k in sub_known}
    return clean


def _check_sources(cfg: PortalConfig, file: str, where: Callable[..., dict[str, int]]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    seen: dict[str, int] = {}
    for index, src in enumerate(cfg.sources):
        label = f"sources[{index}]"
        if not src.name:
            problems.append(error(file, f"{label} has no `name`", code="config-source-name",
                                  **where("sources", index),
                                  hint="give every source a short URL-safe name, e.g. `name: payments`"))
            continue
        if not NAME_PATTERN.match(src.name):
            problems.append(error(file, f"source name `{src.name}` is not URL-safe", code="config-source-name",
                                  **where("sources", index, "name"),
                                  hint="use lower-case letters, digits, `-`, `_` or `.`, e.g. `payments-api`"))
        if src.name in seen:
            problems.append(error(file, f"source name `{src.name}` is used twice (sources[{seen[src.name]}] and "
                                        f"{label})", code="config-source-duplicate", **where("sources", index, "name"),
                                  hint="each source needs its own name: it is the URL prefix of its section"))
        seen.setdefault(src.name, index)
        if not src.repo:
            problems.append(error(file, f"source `{src.name}` has no `repo`", code="config-source-repo",
                                  **where("sources", index),
                                  hint="set `repo:` to owner/repo, a Git URL or a local folder"))
        problems.extend(_check_versions(src, index, file, where))
    if cfg.api_nav.url in seen or not NAME_PATTERN.match(cfg.api_nav.url):
        problems.append(error(file, f"`api_nav.url` `{cfg.api_nav.url}` is "
                                    + ("a source's name" if cfg.api_nav.url in seen else "not URL-safe"),
                              code="config-api-nav", **where("api_nav", "url"),
                              hint="the index of all APIs needs a URL of its own, e.g. `api_nav: {url: all-apis}`"))
    if cfg.api_nav.area_size < 1:
        problems.append(error(file, "`api_nav.area_size` must be at least 1", code="config-api-nav",
                              **where("api_nav", "area_size"), hint="e.g. `api_nav: {area_size: 12}`"))
    if cfg.updates.source and cfg.updates.source not in seen:
        problems.append(error(file, f"`updates.source` names `{cfg.updates.source}`, which is not a source",
                              code="config-updates-source", **where("updates", "source"),
                              hint=_did_you_mean(cfg.updates.source, list(seen))))
    return problems


def _check_versions(src: SourceConfig, index: int, file: str, where: Callable[..., dict[str, int]]) -> list[Diagnostic]:
    """Each of a source's ``versions`` needs a URL-safe name of its own and a ``file`` or a ``ref`` (or both)."""
    problems: list[Diagnostic] = []
    seen: dict[tuple[str | None, str], int] = {}
    for number, version in enumerate(src.versions):
        label = f"sources[{index}].versions[{number}]"
        at = ("sources", index, "versions", number)
        if not version.name:
            problems.append(error(file, f"{label} has no `name`", code="config-version", **where(*at),
                                  hint="name the version as readers know it, e.g. `name: \"1.0\"` (quoted: "
                                       "YAML reads 1.0 as a number)"))
            continue
        if not NAME_PATTERN.match(version.name) or version.name in RESERVED_VERSION_NAMES:
            why = "is a page of the reference" if version.name in RESERVED_VERSION_NAMES else "is not URL-safe"
            problems.append(error(file, f"{label}: version name `{version.name}` {why}", code="config-version",
                                  **where(*at, "name"),
                                  hint="use lower-case letters, digits, `-`, `_` or `.`, e.g. `1.0` or `v1`"))
        key = (version.spec, version.name)
        if key in seen:
            problems.append(error(file, f"{label}: version `{version.name}` is listed twice (versions[{seen[key]}] "
                                        f"and versions[{number}])", code="config-version", **where(*at, "name"),
                                  hint="each version of an API needs its own name: it is its URL segment"))
        seen.setdefault(key, number)
        if src.current_version and version.name == src.current_version:
            problems.append(error(file, f"{label}: `{version.name}` is the source's `current_version`",
                                  code="config-version", **where(*at, "name"),
                                  hint="an older version needs a name other than the current one's"))
        if version.file is None and version.ref is None:
            problems.append(error(file, f"{label}: says neither where the old spec is (`file`, an old spec file "
                                        f"beside the current one) nor at which Git ref (`ref`, a tag or branch)",
                                  code="config-version", **where(*at),
                                  hint="e.g. `file: openapi/versions/payments-1.0.yaml` or `ref: v1` (both: that "
                                       "file at that ref)"))
    return problems


def load_project_config(path: Path) -> ProjectConfig:
    """Read ``mkdocs.yml`` and validate its devportal plugin settings; raise with every problem found."""
    path = path.resolve()
    raw = read_mkdocs_yml(path)
    settings = plugin_settings(raw)
    if settings is None:
        raise DiagnosticError([error(str(path), "the devportal plugin is not listed under `plugins:`",
                                     code="config-no-plugin",
                                     hint="add `plugins: [{devportal: {sources: [...]}}]` to mkdocs.yml")])
    text = path.read_text(encoding="utf-8")
    portal, problems = validate_portal_config(settings, str(path), text)
    if problems.errors:
        raise DiagnosticError(problems)
    return ProjectConfig(path=path, raw=raw, portal=portal)
