"""Docusaurus / MDX / GitHub-only constructs turned into what Material renders.

* ``<!-- START_COMMENT -->…<!-- END_COMMENT -->`` (shown on GitHub only) is dropped;
  ``<!-- START_HIDDEN_IN_GITHUB … -->`` (shown on the site only) is unwrapped.
* MDX ``import`` lines go; ``import X from './_x.md'`` + ``<X />`` inlines the partial.
* ``:::note[Title]`` / ``:::note Title`` … ``:::`` → ``!!! note "Title"``, nested as written (an outer
  admonition with more colons: ``::::info`` > ``:::tip``), each Docusaurus kind with its colour and title.
* ``<Admonition type="tip" title="…">`` (the theme's component) → ``!!! tip "…"``.
* ``<Tabs>``/``<TabItem>`` → ``===! "Label"`` tabs, each ``<Tabs>`` its own group (``!``), the
  ``defaultValue`` (or ``default``) tab selected (``+``).
* :func:`unsupported` lists what the portal cannot render as Docusaurus would, for ``devportal check``.
Code blocks are in :mod:`~generator.render.pages.code_blocks`, MDX comments, ``<head>`` and unknown
components in :mod:`~generator.render.pages.mdx`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from generator.diagnostics import Diagnostic, warning
from generator.render.pages import code_blocks, mdx
from generator.render.pages.segments import FENCE, code_mask, fenced_lines

START_COMMENT = re.compile(r"<!--\s*START_COMMENT\s*-->.*?<!--\s*END_COMMENT\s*-->", re.DOTALL)
HIDDEN_IN_GITHUB = re.compile(
    r"<!--\s*START_HIDDEN_IN_GITHUB[ \t]*\n?(?P<inner>.*?)\n?[ \t]*END_HIDDEN_IN_GITHUB\s*-->", re.DOTALL)
IMPORT = re.compile(r"^import\s+(?P<name>\w+)\s+from\s+['\"](?P<path>[^'\"]+)['\"];?[ \t]*$", re.MULTILINE)
ANY_IMPORT = re.compile(r"^import\s+.*?from\s+['\"][^'\"]+['\"];?[ \t]*(?:\n|\Z)"
                        r"|^import\s+['\"][^'\"]+['\"];?[ \t]*(?:\n|\Z)", re.MULTILINE)
IMPORT_LINE = re.compile(r"^import\s", re.MULTILINE)
PARTIAL_PATH_END = re.compile(r"\.mdx?['\"]")
"""The end of a partial's path in an :data:`IMPORT` line: a text without it imports no partial (blanking code
out only turns characters into spaces, so it cannot make one)."""
ADMONITION_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<colons>:{3,})(?P<kind>[A-Za-z]+)"
                             r"(?:\[(?P<label>[^\n]*)\])?(?:\{[^}\n]*\})?(?:[ \t]+(?P<title>.*?))?[ \t]*$")
ADMONITION_CLOSE = re.compile(r"^[ \t]*(?P<colons>:{3,})[ \t]*$")
#: Docusaurus kind → (Material kind, title when Docusaurus shows another than the kind's name). The legacy
#: aliases are Docusaurus' own (``theme-classic`` ``Admonition/Types``): ``caution`` is a warning titled
#: "caution", ``important`` an info, ``secondary`` a note.
ADMONITION_KINDS = {"note": ("note", None), "tip": ("tip", None), "info": ("info", None),
                    "warning": ("warning", None), "danger": ("danger", None), "caution": ("warning", "Caution"),
                    "important": ("info", "Important"), "success": ("success", None),
                    "secondary": ("note", "Secondary")}
ADMONITION_TAG = re.compile(r"^(?P<indent>[ \t]*)<Admonition\b(?P<attrs>[^>]*)>[ \t]*$")  # @theme/Admonition
ADMONITION_TAG_CLOSE = re.compile(r"^[ \t]*</Admonition>[ \t]*$")
TABS_OPEN = re.compile(r"^\s*<Tabs\b")
TAB_ITEM = re.compile(r"^\s*<TabItem\b(?P<attrs>[^>]*)>(?P<rest>.*)$")
TAB_ITEM_CLOSE = re.compile(r"^\s*</TabItem>\s*$")
TABS_CLOSE = re.compile(r"^\s*</Tabs>\s*$")
VALUES = re.compile(r"\bvalues=\{\s*\[(?P<list>.*?)\]\s*\}", re.DOTALL)
TAB_OBJECT = re.compile(r"\{[^{}]*\}")
OBJECT_FIELD = re.compile(r"""(?P<key>\w+)\s*:\s*(?P<quote>["'`])(?P<value>.*?)(?P=quote)""")
DEFAULT_VALUE = re.compile(r"""\bdefaultValue=(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})""")
DEFAULT_FLAG = re.compile(r"(?<![\w-])default(?![\w-])")
ATTRIBUTE = re.compile(r"(?P<name>\w+)=(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|\{(?P<js>[^}]*)\})")
JSX_STYLE = re.compile(r"\s+style=\{\{.*?\}\}")


def _blank_out(match: re.Match) -> str:
    return "\n" * match.group(0).count("\n")


def drop_github_only(text: str) -> str:
    """Blank out each ``<!-- START_COMMENT -->`` … ``<!-- END_COMMENT -->`` block (text the repo shows on
    GitHub only), keeping the line count so diagnostics keep their lines. MDX imports are removed later, by
    :func:`inline_partials`."""
    text = START_COMMENT.sub(_blank_out, text)
    return text


def unwrap_site_only(text: str) -> str:
    """Show what the repo hid from GitHub because only the site should render it."""
    return HIDDEN_IN_GITHUB.sub(lambda m: m.group("inner"), text)


def partial_imports(text: str) -> dict[str, str]:
    """``import X from './_x.md'`` → ``{"X": "./_x.md"}`` (Markdown partials only)."""
    if not PARTIAL_PATH_END.search(text):  # most pages: no need to blank their code out to look
        return {}
    return {m.group("name"): m.group("path").replace("\\_", "_") for m in IMPORT.finditer(_outside_code(text))
            if m.group("path").replace("\\_", "_").endswith((".md", ".mdx"))}


def inline_partials(text: str, load: Callable[[str], str | None], *, max_chars: int | None = None,
                    refused: list[str] | None = None) -> str:
    """Replace ``<X />`` by the partial's text (``load`` reads it, or returns None when it may not).

    With ``max_chars``, a partial whose uses would grow the page beyond it is not inlined (a 5 MB partial
    used 100,000 times is a half-terabyte page) and its path is added to ``refused``."""
    for name, path in partial_imports(text).items():
        content = load(path)
        if content is None:
            continue
        use = re.compile(rf"^[ \t]*<{name}\s*/>[ \t]*$", re.MULTILINE)
        if max_chars is not None and len(text) + len(content) * sum(1 for _ in use.finditer(text)) > max_chars:
            if refused is not None:
                refused.append(path)
            continue
        text = use.sub(lambda _m, c=content: c.strip("\n"), text)
    if not IMPORT_LINE.search(text):
        return text
    pieces, last = [], 0
    for match in ANY_IMPORT.finditer(code_mask(text)):  # an `import` line in a code block is code
        pieces.append(text[last:match.start()])
        last = match.end()
    return "".join(pieces) + text[last:]


def _outside_code(text: str) -> str:
    """``text`` with its code blanked out when it may hold an ``import`` line (checked first: masking costs)."""
    return code_mask(text) if IMPORT_LINE.search(text) else text


def strip_jsx(text: str) -> str:
    """JSX-only attributes (``style={{...}}``) mean nothing in HTML."""
    return JSX_STYLE.sub("", text)


def _indent(lines: list[str], prefix: str = "    ") -> list[str]:
    if not prefix:
        return lines
    return [prefix + line if line.strip() else "" for line in lines]


def convert_blocks(text: str) -> str:
    """Admonitions and tabs, outside code fences, nested as written."""
    lines = text.split("\n")
    out, _ = _convert(lines, 0, fenced_lines(lines), stop=None)
    return "\n".join(out)


MAX_NESTING = 8
"""Admonitions and tabs nested deeper are left as written: each level re-indents its whole body, and the
conversion recurses per level (a hostile page of 10,000 nested ``:::note`` would crash it)."""
MAX_TABS_HEADER = 50  # lines a ``<Tabs ...>`` opening tag may span


def _closes_admonition(colons: int) -> Callable[[str], bool]:
    """A closing fence of at least as many colons as the opening one closes it (``remark-directive``)."""
    def closes(line: str) -> bool:
        match = ADMONITION_CLOSE.match(line)
        return bool(match) and len(match.group("colons")) >= colons
    return closes


def admonition_header(indent: str, kind: str, title: str | None) -> str:
    """``!!! kind "Title"`` for a Docusaurus admonition of ``kind`` (``title`` None or empty: its own)."""
    kind, default_title = ADMONITION_KINDS.get(kind.lower(), ("note", None))
    title = (title or "").strip() or default_title or ""
    return f'{indent}!!! {kind} "{title.replace(chr(34), chr(39))}"' if title else f"{indent}!!! {kind}"


def _admonition(lines: list[str], i: int, code: list[bool], depth: int, header: str,
                closes: Callable[[str], bool], indent: str) -> tuple[list[str], int]:
    body, end = _convert(lines, i + 1, code, stop=closes, depth=depth + 1)
    return [header, *_indent(_dedent(body), indent + "    "), ""], end + 1


def _convert(lines: list[str], start: int, code: list[bool],
             stop: Callable[[str], bool] | None, depth: int = 0) -> tuple[list[str], int]:
    out: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if code[i]:
            out.append(line)
            i += 1
            continue
        if stop and stop(line):
            return out, i
        if depth >= MAX_NESTING or (":::" not in line and "<" not in line):  # no block opens on this line
            out.append(line)
            i += 1
            continue
        admonition = ADMONITION_OPEN.match(line)
        if admonition:
            label = admonition.group("label")
            header = admonition_header(admonition.group("indent"), admonition.group("kind"),
                                       label if label is not None else admonition.group("title"))
            block, i = _admonition(lines, i, code, depth, header, _closes_admonition(len(admonition.group("colons"))),
                                   admonition.group("indent"))
            out.extend(block)
            continue
        component = ADMONITION_TAG.match(line)
        if component:
            attrs = {a.group("name"): a.group("dq") or a.group("sq") or a.group("js") or ""
                     for a in ATTRIBUTE.finditer(component.group("attrs"))}
            header = admonition_header(component.group("indent"), attrs.get("type", "note"), attrs.get("title"))
            block, i = _admonition(lines, i, code, depth, header, ADMONITION_TAG_CLOSE.match, component.group("indent"))
            out.extend(block)
            continue
        if TABS_OPEN.match(line):
            indent = line[:len(line) - len(line.lstrip())]
            header = [line]
            while ">" not in _strip_js(" ".join(header)) and i + 1 < len(lines) and len(header) < MAX_TABS_HEADER:
                i += 1
                header.append(lines[i])
            body, end = _convert(lines, i + 1, code, stop=TABS_CLOSE.match, depth=depth + 1)
            out.extend(_indent(_tabs(body, TabsHeader.parse(" ".join(header))), indent))
            i = end + 1
            continue
        out.append(line)
        i += 1
    return out, i


def _strip_js(text: str) -> str:
    """The header text with ``{...}`` JS expressions removed, to find the tag's closing ``>``."""
    depth, kept = 0, []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            kept.append(ch)
    return "".join(kept)


@dataclass
class TabsHeader:
    """What a ``<Tabs ...>`` opening tag says: labels by value (``values={[...]}``), the selected value."""

    labels: dict[str, str]
    default: str | None

    @classmethod
    def parse(cls, header: str) -> TabsHeader:
        labels = {}
        values = VALUES.search(header)
        for item in TAB_OBJECT.finditer(values.group("list") if values else ""):
            fields = {f.group("key"): f.group("value") for f in OBJECT_FIELD.finditer(item.group(0))}
            if "value" in fields:
                labels[fields["value"]] = fields.get("label", fields["value"])
        default = DEFAULT_VALUE.search(header)
        return cls(labels, next((g for g in default.groups() if g is not None), None) if default else None)


def _tab_item(attributes: str, header: TabsHeader) -> tuple[str, str, bool]:
    """(value, label, whether it is the selected tab) of a ``<TabItem ...>``."""
    attrs = {a.group("name"): a.group("dq") or a.group("sq") or a.group("js") or ""
             for a in ATTRIBUTE.finditer(attributes)}
    value = attrs.get("value", "")
    label = attrs.get("label") or header.labels.get(value) or value or "Tab"
    default = bool(DEFAULT_FLAG.search(ATTRIBUTE.sub("", attributes))) or attrs.get("default") == "true"
    return value, label, default


def _tabs(body: list[str], header: TabsHeader) -> list[str]:
    items: list[tuple[str, str, bool, list[str]]] = []  # value, label, default, lines
    out: list[str] = []
    current: list[str] | None = None
    for line in body + ["</TabItem>"]:
        item = TAB_ITEM.match(line)
        if item:
            value, label, default = _tab_item(item.group("attrs"), header)
            rest, closed, _ = item.group("rest").partition("</TabItem>")
            current = [rest] if rest.strip() else []
            items.append((value, label, default, current))
            if closed:  # <TabItem value="x">content</TabItem> on one line
                current = None
            continue
        if TAB_ITEM_CLOSE.match(line):
            current = None
            continue
        if current is not None:
            current.append(line)
        elif line.strip():
            out.append(line)
    selected = next((n for n, (value, _, _, _) in enumerate(items) if header.default is not None
                     and value == header.default), None)
    if selected is None:
        selected = next((n for n, (_, _, default, _) in enumerate(items) if default), None)
    for n, (_, label, _, lines) in enumerate(items):
        # `!` starts a new group (two <Tabs> in a row stay two), `+` selects the default tab.
        marker = ("!" if n == 0 else "") + ("+" if n == selected and n != 0 else "")
        out.append('==={} "{}"'.format(marker, label.replace('"', "'")))
        out.append("")
        out.extend(_indent(_dedent(_trim(lines))))
        out.append("")
    return out


def _trim(lines: list[str]) -> list[str]:
    """``lines`` without leading and trailing blank lines."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _dedent(lines: list[str]) -> list[str]:
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return [line[cut:] for line in lines]


EXPORT = re.compile(r"^export\s+(?:const|let|var|function|default|class)\b")
UNSUPPORTED = "docusaurus-unsupported"


def unsupported(text: str, file: str, *, first_line: int = 1, known: Collection[str] = ()) -> list[Diagnostic]:
    """A warning for each construct of ``text`` the portal cannot render as Docusaurus would: components it
    does not have (``known`` are the page's imported partials), admonition kinds Docusaurus does not
    know, blocks nested deeper than :data:`MAX_NESTING`, MDX ``export``s and live code blocks. Lines are
    counted from ``first_line`` (where ``text`` starts in ``file``)."""
    found: list[Diagnostic] = []

    def add(line: int, message: str, hint: str) -> None:
        found.append(warning(file, message, code=UNSUPPORTED, line=first_line + line - 1, hint=hint))

    uses: dict[tuple[str, bool], list[int]] = {}  # one warning per component: its first line, how often
    for component in mdx.components(text, known):
        uses.setdefault((component.name, component.children), []).append(component.line)
    for (name, children), lines_used in uses.items():
        more = f" (used {len(lines_used)} times on the page, first here)" if len(lines_used) > 1 else ""
        if children:
            add(lines_used[0], f"component `<{name}>` is not available on the portal: only its content is shown"
                + more, f"write it in Markdown instead (`**bold**`, `==highlight==`, a link...), or remove the "
                f"`<{name}>` tags")
        else:
            add(lines_used[0], f"component `<{name} />` is not available on the portal and shows nothing" + more,
                f"replace `<{name} />` with Markdown (a list of links, a table...)")
    lines = text.split("\n")
    code = fenced_lines(lines)
    depth: list[int] = []  # colons of the open admonitions
    deep_reported = False
    for number, (line, in_code) in enumerate(zip(lines, code, strict=True), start=1):
        if in_code:
            fence = FENCE.match(line) if "```" in line or "~~~" in line else None  # a fence line has one of them
            words = code_blocks.unsupported_meta(fence.group("info")) if fence else []
            if words:
                add(number, f"code block `{' '.join(words)}`: {code_blocks.UNSUPPORTED_META[words[0]]} is not "
                    "available on the portal; the code is shown, not run", f"remove `{' '.join(words)}`, or link "
                    "to a playground (CodeSandbox, StackBlitz) for readers to run it")
            continue
        opening = ADMONITION_OPEN.match(line) if ":::" in line else None  # most lines open or close nothing
        if opening:
            if opening.group("kind").lower() not in ADMONITION_KINDS:
                add(number, f"`:::{opening.group('kind')}` is not a Docusaurus admonition: it is shown as a note",
                    "use one of " + ", ".join(f"`:::{kind}`" for kind in ("note", "tip", "info", "warning",
                                                                         "danger")))
            depth.append(len(opening.group("colons")))
            if len(depth) > MAX_NESTING and not deep_reported:
                deep_reported = True
                add(number, f"admonitions nested more than {MAX_NESTING} deep are shown as text",
                    "nest fewer admonitions")
            continue
        closing = ADMONITION_CLOSE.match(line) if ":::" in line else None
        if closing:
            if depth and depth[-1] <= len(closing.group("colons")):
                depth.pop()
            continue
        if line.startswith("export") and EXPORT.match(line):
            add(number, "MDX `export` is not run on the portal: the line is shown as text",
                "move the value into the page's text or front matter")
    return found
