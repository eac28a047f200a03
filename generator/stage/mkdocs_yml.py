"""The generated ``mkdocs.yml`` of the staged tree.

It is the user's ``mkdocs.yml`` with the devportal plugin taken out and the generated parts put in:
``docs_dir``, ``nav``, the Markdown extensions the staged pages need, the API reference's assets, the
updates archive's plugins, redirects, and paths made relative to the stage folder. Any engine that reads
``mkdocs.yml`` (MkDocs with mkdocs-material, or Zensical) builds it without the devportal plugin; only the
Markdown extension that keeps script out of Markdown-generated elements (``safe_attributes``) is imported.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from generator.config import ProjectConfig, Tagged, TaggedDumper
from generator.render.archive import UpdatesOutput
from generator.render.escaping import html_nav
from generator.render.pages.emoji import EMOJI_INDEX
from generator.render.pages.gfm import ASSETS as MARKDOWN_ASSETS
from generator.render.pages.safe_attributes import EXTENSION as SAFE_ATTRIBUTES
from generator.stage.search_index import SEARCH_HOOK
from generator.stage.staged import StagedSource

#: Extensions every staged page may rely on (admonitions, tabs, details, Mermaid, tables, anchors, bare URLs).
REQUIRED_EXTENSIONS: list[Any] = [
    "abbr",
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "sane_lists",  # an ordered list keeps its start number and does not join a bullet list before it
    "tables",
    {"toc": {"permalink": True}},
    "pymdownx.details",
    {"pymdownx.highlight": {"anchor_linenums": True, "guess_lang": False,
                            "extend_pygments_lang": [{"name": "jsonc", "lang": "json"}]}},
    "pymdownx.inlinehilite",
    "pymdownx.magiclink",  # bare URLs become links, as on GitHub
    {"pymdownx.superfences": {"custom_fences": [{
        "name": "mermaid", "class": "mermaid",
        "format": Tagged("tag:yaml.org,2002:python/name:pymdownx.superfences.fence_code_format", "")}]}},
    {"pymdownx.tabbed": {"alternate_style": True}},
    {"pymdownx.tasklist": {"custom_checkbox": True}},
    "pymdownx.caret",
    "pymdownx.mark",
    "pymdownx.tilde",
    "pymdownx.saneheaders",  # `#tag` at a line's start is text, as on GitHub
    {"pymdownx.emoji": {  # GitHub's shortcodes (:tada:) as the Unicode emoji, from one index shared by every page
        "emoji_index": Tagged(f"tag:yaml.org,2002:python/name:{EMOJI_INDEX}", ""),
        "emoji_generator": Tagged("tag:yaml.org,2002:python/name:pymdownx.emoji.to_alt", "")}},
    # $…$, $$…$$ (and ```math, staged as $$), shown by KaTeX; GitHub's delimiters only (not \( \) or \[ \])
    {"pymdownx.arithmatex": {"generic": True, "inline_syntax": ["dollar"], "block_syntax": ["dollar"]}},
    SAFE_ATTRIBUTES,  # no event handler or javascript: URL on what the Markdown generates (attr_list, links)
]

def _extension_name(entry: Any) -> str:
    return entry if isinstance(entry, str) else next(iter(entry))


def _merge_extensions(user: list[Any]) -> list[Any]:
    merged = list(user or [])
    names = {_extension_name(e) for e in merged}
    for entry in REQUIRED_EXTENSIONS:
        if _extension_name(entry) not in names:
            merged.append(copy.deepcopy(entry))
    return merged


#: Material's search weighs a match in a page's ``tags`` a thousand times a title match: every technical
#: update (tagged ``api:payments``, ...) outranked the API reference for any query with a word starting like
#: a tag ("a" of "Create a payment" matched ``api:payments``). A tag counts like a title word here.
SEARCH_FIELDS = {"title": {"boost": 1000}, "text": {"boost": 1}, "tags": {"boost": 100}}

#: lunr.js's English stop words (``lunr.stopWordFilter``) but "get", an HTTP method readers search for.
STOP_WORDS = (
    "a able about across after all almost also am among an and any are as at be because been but by can cannot "
    "could dear did do does either else ever every for from got had has have he her hers him his how however i if "
    "in into is it its just least let like likely may me might most must my neither no nor not of off often on "
    "only or other our own rather said say says she should since so some than that the their them then there "
    "these they this tis to too twas us wants was we were what when where which while who whom why will with "
    "would yet you your").split()


def _search_separator() -> str:
    """Material splits both the indexed text and the query with this expression, and then matches every query
    word as a prefix (``a*``). Stop words were dropped from the index only, so a query's "a" or "the" matched
    every indexed word that starts with it and buried what the reader asked for; as separators they are dropped
    from both sides. Paths are split before each ``/``, so ``/payments/{reference}/refunds`` is found by its
    segments."""
    words = "|".join(f"[{w[0].upper()}{w[0]}]{w[1:]}" for w in STOP_WORDS)
    return rf"[\s\-]+|(?=/)|\b(?:{words})\b"


def _search_plugin(entry: Any, lang: str) -> Any:
    """The search plugin's entry with devportal's field weights and (for English) separator, unless the
    project sets its own."""
    settings = dict(entry.get("search") or {}) if isinstance(entry, dict) else {}
    settings.setdefault("fields", copy.deepcopy(SEARCH_FIELDS))
    if lang == "en" and settings.get("lang") in (None, "en", ["en"]) and "separator" not in settings:
        settings["separator"] = _search_separator()
        settings.setdefault("pipeline", [])  # the separator drops stop words ("get" kept)
    return {"search": settings}


def _plugins(user: list[Any], redirects: dict[str, str], lang: str) -> list[Any]:
    plugins = [entry for entry in (user or [])
               if entry != "devportal" and not (isinstance(entry, dict) and "devportal" in entry)]
    plugins = [_search_plugin(entry, lang) if _extension_name(entry) == "search" else entry for entry in plugins]
    names = {_extension_name(e) for e in plugins}
    if "search" not in names:
        plugins.insert(0, _search_plugin("search", lang))
    if redirects and "redirects" not in names:
        plugins.append({"redirects": {"redirect_maps": dict(sorted(redirects.items()))}})
    return plugins


def _relocate(value: str, project_root: Path, stage_dir: Path) -> str:
    path = Path(value)
    if not path.is_absolute():
        path = project_root / path
    return Path(os.path.relpath(path, stage_dir)).as_posix()


def generated_mkdocs_config(project: ProjectConfig, stage_dir: Path, *, nav: list,
                            staged_sources: list[StagedSource], updates: UpdatesOutput | None) -> dict[str, Any]:
    """The config of the staged tree, as data (written by :func:`write_mkdocs_yml`)."""
    raw = copy.deepcopy(project.raw)
    config: dict[str, Any] = {key: value for key, value in raw.items()
                              if key not in ("plugins", "nav", "docs_dir", "site_dir", "markdown_extensions")}
    config["docs_dir"] = "docs"
    # Edit links come from each page's front matter (its own repo); MkDocs' own would point into the stage.
    config["edit_uri"] = ""
    # devportal checks links and anchors itself (with the original file's lines); MkDocs would report the
    # same links again against the staged tree.
    config.setdefault("validation", {"links": {"not_found": "info", "anchors": "info", "absolute_links": "info",
                                               "unrecognized_links": "info"},
                                     "nav": {"omitted_files": "info", "absolute_links": "info"}})
    config["site_dir"] = _relocate(raw.get("site_dir", "site"), project.root, stage_dir)
    theme = config.get("theme") or {"name": "material"}
    if isinstance(theme, str):
        theme = {"name": theme}
    theme["custom_dir"] = "overrides"  # a copy of the project's custom_dir plus the API reference's template
    config["theme"] = theme
    config["nav"] = html_nav(nav)  # MkDocs prints nav titles as HTML
    config["markdown_extensions"] = _merge_extensions(raw.get("markdown_extensions"))
    config["plugins"] = _plugins(raw.get("plugins"), project.portal.redirects,
                                 str(theme.get("language") or "en"))
    css = list(config.get("extra_css") or [])
    scripts = list(config.get("extra_javascript") or [])
    for asset in MARKDOWN_ASSETS:
        bucket = css if asset.endswith(".css") else scripts
        if asset not in bucket:
            bucket.append(asset)
    for staged in staged_sources:
        for reference in staged.references:
            for asset in reference.assets:
                bucket = css if asset.endswith(".css") else scripts
                if asset not in bucket:
                    bucket.append(asset)
    if css:
        config["extra_css"] = css
    if scripts:
        config["extra_javascript"] = scripts
    extra = dict(config.get("extra") or {})
    devportal_extra = dict(extra.get("devportal") or {})
    feedback = project.portal.feedback
    if feedback.enabled and feedback.endpoint:
        devportal_extra["feedback_endpoint"] = feedback.endpoint
    if updates and updates.feeds:
        # The whole archive's RSS and Atom feeds, advertised in every page's <head>.
        devportal_extra["feeds"] = {"title": f"{raw.get('site_name', '')}: technical updates".lstrip(": "),
                                    "rss": updates.feeds[0], "atom": updates.feeds[1]}
    devportal_extra["search"] = project.portal.search  # pagefind: the site is indexed at the end of the build
    if project.portal.search == "pagefind":
        config["hooks"] = [*(config.get("hooks") or []), SEARCH_HOOK]  # ...by this hook, in a MkDocs build
    if project.portal.search == "pagefind" and str(theme.get("language") or "en") == "en":
        devportal_extra["search_stop_words"] = STOP_WORDS  # dropped from queries, as the lunr index drops them
    devportal_extra["sources"] = [
        {"name": s.config.name, "title": s.title, "repo": s.checkout.web_url, "commit": s.checkout.commit}
        for s in staged_sources]
    extra["devportal"] = devportal_extra
    config["extra"] = extra
    return config


def write_mkdocs_yml(config: dict[str, Any], path: Path) -> None:
    """Write the generated config with a header saying where it comes from."""
    header = ("# Generated by devportal from the project's mkdocs.yml: do not edit.\n"
              "# Build it with `mkdocs build -f <this file>` or Zensical.\n")
    body = yaml.dump(config, Dumper=TaggedDumper, sort_keys=False, allow_unicode=True, default_flow_style=False)
    path.write_text(header + body, encoding="utf-8")
