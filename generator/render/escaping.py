"""One rule for the text a source controls that reaches a page outside its Markdown body.

Titles, descriptions, tag names, versions, authors and summaries are plain text. They reach the built
site through three doors, and each door gets the text escaped exactly once:

- the generated ``mkdocs.yml`` navigation and the staged pages' front matter: MkDocs and Material print
  nav titles and ``page.meta`` values into HTML unescaped (a MkDocs title is HTML, like the text of a
  rendered heading), so they are written as HTML text (:func:`html_text`, :func:`html_nav`,
  :func:`html_meta`);
- Markdown generated from templates (the updates archive, the home page's API table): Markdown would
  pass HTML through and give ``[``, ``*`` or ``{:`` a meaning, so the text is backslash-escaped and
  HTML-escaped (:func:`markdown_text`), which is what :func:`markdown_templates` does to every value;
- HTML templates (the API reference): Jinja's autoescape.

"A & B" is written ``A &amp; B`` and shown as "A & B".
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import jinja2
from markupsafe import Markup

#: Characters with a meaning in Python-Markdown or the staged extensions (tables' ``|``, attr_list's ``{}``,
#: caret, tilde and mark's ``^~=``) that it lets a backslash escape; ``<``, ``>`` and ``&`` are HTML-escaped.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~^=$])")  # $: arithmatex's math


def html_text(value: Any) -> str:
    """``value`` as HTML text, safe inside an element and inside a quoted attribute."""
    return html.escape(str(value), quote=True)


def markdown_text(value: Any) -> str:
    """``value`` as inline Markdown that renders as exactly this text: no markup, no HTML, no links."""
    text = " ".join(str(value).split())  # one line: a newline could start a block (a heading, a list, raw HTML)
    return html_text(_MARKDOWN_SPECIAL.sub(r"\\\1", text))


def html_nav(nav: Any) -> Any:
    """A MkDocs ``nav`` with every title escaped as HTML text (paths are left alone)."""
    if isinstance(nav, list):
        return [html_nav(item) for item in nav]
    if isinstance(nav, dict):
        return {html_text(title) if title is not None else None: html_nav(value) for title, value in nav.items()}
    return nav


def html_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Page front matter with every string (in lists and mappings too) escaped as HTML text."""
    return {key: _html_value(value) for key, value in meta.items()}


def _html_value(value: Any) -> Any:
    if isinstance(value, str):
        return html_text(value)
    if isinstance(value, list):
        return [_html_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _html_value(item) for key, item in value.items()}
    return value


def markdown_link(path: Any) -> Markup:
    """A relative link target for a Markdown template: percent-encoded so no character ends the link."""
    return Markup(quote(str(path), safe="/#.-_~"))


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None:
        return value
    return markdown_text(value)


#: Whether Jinja runs its optimizer when it compiles a template: it only folds constant expressions (``{{ 2 * 3 }}``,
#: ``x[:-5]``): the package's templates compile to the same code without it (one ``-5`` becomes ``(-5)``),
#: 10-15 % faster (9 ms of the API reference's templates, compiled in every build that renders one).
JINJA_OPTIMIZER = False


def template_environment(folder: Path, *, output: Literal["markdown", "html"]) -> jinja2.Environment:
    """The Jinja environment of a template folder. Every printed value is escaped for the ``output`` unless
    marked safe: with :func:`markdown_text` for Markdown (``| link`` marks a link target, percent-encoded),
    as HTML for HTML.

    The Markdown templates get data the generator made, so a name they use but are not given is an error
    (:class:`jinja2.StrictUndefined`). The HTML templates (the API reference) read optional fields of a
    spec's own objects, which print as nothing when the spec leaves them out (:class:`jinja2.ChainableUndefined`)."""
    markdown = output == "markdown"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=not markdown,
                             finalize=_finalize if markdown else None, keep_trailing_newline=markdown,
                             trim_blocks=True, lstrip_blocks=True, optimized=JINJA_OPTIMIZER,
                             undefined=jinja2.StrictUndefined if markdown else jinja2.ChainableUndefined)
    if markdown:
        env.filters["link"] = markdown_link
    return env
