"""The one YAML loader for content from repos: YAML 1.2 booleans, no implicit timestamps, bounded size.

PyYAML implements YAML 1.1, where ``NO`` (Norway's country code) is ``false`` and ``2025-13-45`` is a
timestamp that raises ``ValueError`` instead of a YAML error. Front matter, nav files, update files and
specs are read with :class:`Yaml12Loader`: only ``true``/``false`` are booleans and dates stay strings,
parsed (and reported) by the code that needs them.

Repos may be hostile, so the loader also refuses, with a :class:`YamlLimitError` at the offending line:

* documents nested more than :data:`MAX_DEPTH` levels (PyYAML's composer, and every walk of the data
  after it, recurses per level: 10,000 levels crash with ``RecursionError``);
* aliases that expand the document by more than :data:`MAX_ALIAS_GROWTH` nodes beyond its own size
  (a "billion laughs" alias bomb of a few hundred bytes expands to gigabytes when the data is walked),
  and aliases to a collection that contains them (an endless document).
"""

from __future__ import annotations

import re

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from generator.diagnostics import Diagnostic, error

MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences read (real specs nest a few dozen levels at most)."""
MAX_ALIAS_GROWTH = 100_000
"""Nodes aliases may add to a document beyond its own number of nodes (at most doubling a bigger one)."""


class YamlLimitError(yaml.MarkedYAMLError):
    """A document refused for its shape (too deep, or an alias bomb), at the line where it goes wrong."""


class DepthBoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested more than :data:`MAX_DEPTH` levels, whatever the
    interpreter's recursion limit (a raised limit would let a deep document overflow the C stack)."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        # exact event classes: libyaml's parser (FastYaml12Loader) does not match base classes
        if not self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlLimitError(None, None, f"the document is nested more than {MAX_DEPTH} levels deep",
                                     self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class Yaml12Loader(DepthBoundedLoader):
    """SafeLoader with YAML 1.2 booleans, dates left as strings, and bounded depth and alias expansion."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
        return super().compose_node(parent, index)

    def compose_document(self):
        node = super().compose_document()
        if self._aliases:
            check_expansion(node)
        return node

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            raise _unreadable_scalar(node) from exc


def _unreadable_scalar(node: yaml.Node) -> yaml.constructor.ConstructorError:
    """The YAML error of a scalar its explicit tag's constructor cannot read (``!!bool maybe``, ``!!int twelve``),
    at the scalar: PyYAML's constructors raise KeyError, ValueError or AttributeError for them."""
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    value = node.value if len(node.value) <= 40 else f"{node.value[:40]}…"  # a number of 5,000 digits
    return yaml.constructor.ConstructorError(None, None, f"{value!r} is not a {tag} value", node.start_mark)


def check_expansion(root: yaml.Node | None) -> None:
    """Refuse a node graph whose aliases expand it by more than :data:`MAX_ALIAS_GROWTH` nodes beyond its
    own size, or that contains itself. Linear in the number of distinct nodes (each is sized once)."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, children = stack.pop()
        key = id(node)
        if children is not None:  # every child is sized
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children = _children(node)
        on_path.add(key)
        stack.append((node, children))
        for child in children:
            if id(child) in on_path:
                raise YamlLimitError(None, None, "an alias refers to a collection that contains it (an endless "
                                     "document)", child.start_mark)
            if id(child) not in sizes:
                stack.append((child, None))
    distinct = len(sizes)
    if sizes[id(root)] > distinct + max(MAX_ALIAS_GROWTH, distinct):
        raise YamlLimitError(None, None, f"aliases expand the document to {sizes[id(root)]:,} nodes (it has "
                             f"{distinct:,}): refused as an alias bomb", _first_alias_mark(root))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _first_alias_mark(root: yaml.Node):
    """Where the first node reached twice is written (an anchor the bomb expands)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node.start_mark
        seen.add(id(node))
        stack.extend(reversed(_children(node)))
    return root.start_mark


Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers
          if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))


try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None

if CParser is not None:
    class FastYaml12Loader(CParser, Yaml12Loader):
        """:class:`Yaml12Loader` reading its events with libyaml (about 4x faster on a big spec): the nodes are
        still composed here, with the same depth and alias bounds, resolvers and constructors."""

        get_single_node = Composer.get_single_node
        get_node = Composer.get_node
        check_node = Composer.check_node

        def __init__(self, stream) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._depth = 0
            self._aliases = 0
else:
    FastYaml12Loader = Yaml12Loader

C_COMPOSE_DEPTH = 2_000
"""Deepest nesting libyaml's composer is given (it recurses in C, without a limit, per level: a document
nested 30,000 levels deep overflows the stack, 20,000 levels do not)."""


def load_yaml_document(text: str):
    """Parse ``text`` as :class:`FastYaml12Loader` does (same values, same errors), composing its nodes with
    libyaml's composer when that is safe: about twice as fast on a big spec.

    libyaml composes only a text that cannot nest deeper than :data:`C_COMPOSE_DEPTH` levels (bounded from its
    characters alone, see :func:`nesting_bound`), and its nodes are used only when they pass the checks of
    :class:`Yaml12Loader` (depth, alias expansion), made while its values are built (:func:`constructed`).
    Anything else (a document too deep, an alias bomb, an invalid document) is read again with
    :class:`FastYaml12Loader`, which reports it as it always does."""
    if CParser is not None and nesting_bound(text) <= C_COMPOSE_DEPTH:
        loader = _CComposedYaml12Loader(text)
        try:
            node = loader.get_single_node()
            # An alias names an anchor (``&name``): without one in the text, no node is reached twice.
            return constructed(loader, node, anchored="&" in text)
        except Exception:  # noqa: BLE001, S110 - read again below, where the checked loader reports it
            pass
        finally:
            loader.dispose()
    return yaml.load(text, Loader=FastYaml12Loader)  # noqa: S506 - a SafeLoader subclass


def nesting_bound(text: str) -> int:
    """At least how deep collections can nest in ``text``: a flow collection opens with ``[`` or ``{`` (and an
    entry of a ``[`` may be one implicit single-pair mapping), and each level of block collections starts at a
    greater column than the one holding it (an indentless sequence at the same one), so at most two levels per
    column of the longest line."""
    longest = max(len(line) for line in text.split("\n"))
    return 2 * (longest + 1) + 2 * text.count("[") + text.count("{")


def _composed_depth_within(root: yaml.Node | None) -> tuple[bool, bool]:
    """(whether collections nest at most :data:`MAX_DEPTH` levels as the document is written, whether a node is
    reached twice: an alias). Nodes are walked in document order, so a node is first reached where it is
    written (its anchor); every later time is an alias, which composing does not nest."""
    if root is None:
        return True, False
    seen: set[int] = set()
    aliased = False
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            aliased = True
            continue
        seen.add(id(node))
        if not isinstance(node, yaml.ScalarNode):
            if depth > MAX_DEPTH:
                return False, aliased
            stack.extend((child, depth + 1) for child in reversed(_children(node)))
    return True, aliased


if CParser is not None:
    class _CComposedYaml12Loader(CParser, Yaml12Loader):
        """:class:`Yaml12Loader`'s resolvers and constructors over libyaml's parser and composer (no bounds of
        its own: see :func:`load_yaml_document`)."""

        def __init__(self, stream) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = (_TAG + name for name in ("str", "null", "bool", "int", "float"))
_MAP, _SEQ = _TAG + "map", _TAG + "seq"


class _Unusual(Exception):  # noqa: N818 - not an error: the node is left to PyYAML's constructor
    """A node :func:`constructed` leaves to PyYAML's constructor (another tag, a merge key, a collection as a key)."""


class _Refused(Exception):  # noqa: N818 - not reported: the checked loader reads the text again and reports it
    """A document :class:`Yaml12Loader` refuses (nested too deep, an alias bomb, a collection that contains
    itself), found by :func:`constructed`."""


def constructed(loader: SafeConstructor, root: yaml.Node | None, *, anchored: bool = True):
    """``loader.construct_document(root)``, refusing (:class:`_Refused`) what :class:`Yaml12Loader` refuses:
    collections nested more than :data:`MAX_DEPTH` levels as the document is written, and, with ``anchored``
    (the text has an ``&``: without an anchor there is no alias), what :func:`check_expansion` refuses.

    The values are the same, built in one walk of the nodes instead of PyYAML's generator per collection and
    dispatch per node (about a third of reading a big spec), with the checks made on the way instead of in
    walks of their own. The walk is in document order, so a node is first reached where it is written (its
    anchor) and every later time is an alias, which composing does not nest and which gets the object built the
    first time, as PyYAML's does. Plain mappings, sequences and the five scalar types of :class:`Yaml12Loader`'s
    resolvers are built here; a document with any other node (a tag such as ``!!binary``, a ``<<`` merge key, a
    collection as a key) is checked by walks of its own and built by PyYAML's constructor as before. A scalar
    its tag cannot read (``!!bool maybe``) raises what PyYAML's constructor raises. :func:`load_yaml_document`
    reads a text refused here, or whose scalar could not be read, with the checked loader, whose error says
    where."""
    if root is None:
        return loader.construct_document(root)
    built: dict[int, object] = {}  # collection → its value
    sizes: dict[int, int] = {}  # collection → its nodes, aliases expanded (with ``anchored``)
    scalars: set[int] = set()  # the distinct scalars (with ``anchored``)
    bools = loader.bool_values

    def scalar(node: yaml.Node):
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return bools[node.value.lower()]
        if tag == _INT:
            return loader.construct_yaml_int(node)
        if tag == _FLOAT:
            return loader.construct_yaml_float(node)
        raise _Unusual

    def size(node: yaml.Node) -> int:
        """1 for a scalar (noted as seen); a collection's size, refusing one reached again inside itself."""
        if type(node) is yaml.ScalarNode:
            scalars.add(id(node))
            return 1
        found = sizes.get(id(node))
        if found is None:  # built but not sized yet: the alias is inside the collection it names
            raise _Refused
        return found

    def build(node: yaml.Node, depth: int):
        """The value of ``node``; with ``anchored``, each collection sized as :func:`check_expansion` sizes it
        once its children are built."""
        kind = type(node)
        if kind is yaml.ScalarNode:
            return scalar(node)
        done = built.get(id(node))
        if done is not None:
            return done
        if depth > MAX_DEPTH:
            raise _Refused
        total = 1
        if kind is yaml.MappingNode and node.tag == _MAP:
            mapping: dict = {}
            built[id(node)] = mapping
            for key, value in node.value:
                if type(key) is not yaml.ScalarNode:
                    raise _Unusual
                mapping[scalar(key)] = build(value, depth + 1)  # a merge key's tag is none of scalar()'s
                if anchored:
                    total += size(key) + size(value)
            sizes[id(node)] = total
            return mapping
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            sequence: list = []
            built[id(node)] = sequence
            for item in node.value:
                sequence.append(build(item, depth + 1))
                if anchored:
                    total += size(item)
            sizes[id(node)] = total
            return sequence
        raise _Unusual

    try:
        value = build(root, 1)
    except _Unusual:
        within, aliased = _composed_depth_within(root)
        if not within:
            raise _Refused from None
        if aliased:
            check_expansion(root)  # before PyYAML's constructor walks the aliases
        return loader.construct_document(root)
    if anchored:
        distinct = len(built) + len(scalars)
        if size(root) > distinct + max(MAX_ALIAS_GROWTH, distinct):
            raise _Refused
    return value


def load_yaml(text: str):
    """Parse ``text`` with :class:`Yaml12Loader`."""
    return yaml.load(text, Loader=Yaml12Loader)  # noqa: S506 - a SafeLoader subclass


def yaml_error(file: str, exc: yaml.YAMLError, *, subject: str, code: str, hint: str,
               refused_code: str | None = None, refused_hint: str | None = None, first_line: int = 1) -> Diagnostic:
    """The :class:`Diagnostic` of a YAML text that could not be read: ``{subject} is not valid YAML: …`` (or
    ``… is refused: …`` for a :class:`YamlLimitError`), at the line and column of the problem.

    ``first_line`` is the file's line of the text's first line (front matter starts on line 2)."""
    refused = isinstance(exc, YamlLimitError)
    mark = getattr(exc, "problem_mark", None)
    what = "refused" if refused else "not valid YAML"
    return error(file, f"{subject} is {what}: {getattr(exc, 'problem', None) or exc}",
                 code=refused_code or code if refused else code, hint=refused_hint or hint if refused else hint,
                 line=first_line + mark.line if mark else None, column=mark.column + 1 if mark else None)
