"""SVG from an untrusted source, rebuilt as a passive picture that cannot script the portal.

An SVG is a document: opened directly (its URL, "open image in new tab") it runs its ``<script>``, its
``on*`` handlers and ``javascript:`` links on the portal's origin. :func:`sanitize_svg` parses it with
lxml (no DTD, no entity expansion, no network) and keeps only what draws: an allowlist of SVG elements
(shapes, text, gradients, filters...), attributes without a namespace except ``on*``, ``href`` only to
a fragment of the same file (or a raster ``data:`` image on ``<image>``/``<feImage>``), and CSS without
``@import`` or ``url()`` leaving the file. Everything else goes: ``script``, ``foreignObject``,
animations (they can rewrite ``href``), links (``<a>`` keeps its content), elements of other namespaces,
processing instructions (``xml-stylesheet``), comments, the DOCTYPE.
"""

from __future__ import annotations

import re

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

#: Elements that draw or define what is drawn (the SVG 1.1/2 painting, text, paint server and filter
#: elements). Not here, so removed with their content: script, foreignObject, animate*, set, discard,
#: iframe, video, audio, canvas, handler, listener, metadata and any unknown element.
ALLOWED_ELEMENTS = frozenset({
    "svg", "g", "defs", "symbol", "use", "desc", "title", "switch", "view",
    "circle", "ellipse", "line", "path", "polygon", "polyline", "rect", "image",
    "text", "tspan", "textPath", "tref",
    "clipPath", "mask", "marker", "pattern", "linearGradient", "radialGradient", "stop", "style",
    "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
    "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB",
    "feFuncG", "feFuncR", "feGaussianBlur", "feImage", "feMerge", "feMergeNode", "feMorphology", "feOffset",
    "fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
})
#: Removed, but their content stays (a link around a shape keeps the shape).
UNWRAPPED_ELEMENTS = frozenset({"a"})
KEPT_ELEMENTS = ALLOWED_ELEMENTS | UNWRAPPED_ELEMENTS
SVG_PREFIX = f"{{{SVG_NS}}}"
#: An attribute value without any of these cannot hold a ``url(``, an ``@import``, a scheme or an escape.
CSS_MARKS = ("(", "@", ":", "\\")
#: Elements whose ``href`` may be a raster image given as a ``data:`` URL (an image cannot run script).
RASTER_HREF_ELEMENTS = frozenset({"image", "feImage"})
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]*$")
FRAGMENT = re.compile(r"^\s*#[^\s\"'()<>]*\s*$")
RASTER_DATA = re.compile(r"^\s*data:image/(png|jpeg|gif|webp|avif);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*(?P<q>[\"']?)(?P<url>.*?)(?P=q)\s*\)", re.IGNORECASE | re.DOTALL)
NON_LOCAL_URL = re.compile(r"url\(\s*[\"']?(?!#)", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
#: CSS that runs code in old engines, or fetches without ``url()`` (``image-set("…")``), or hides either
#: behind an escape (``\\75 rl(``): a style attribute holding it is dropped, a style sheet loses it.
CSS_ACTIVE = re.compile(r"expression\s*\(|-moz-binding|behavior\s*:|javascript:|image-set|cross-fade|@font-face|\\",
                        re.IGNORECASE)


class UnsafeSvg(ValueError):
    """The file cannot be published as an SVG picture (not well-formed XML, or not an ``<svg>``)."""


def sanitize_svg(data: bytes) -> bytes:
    """``data`` as a passive SVG: what draws is kept, whatever could run or fetch is removed.

    Raises :class:`UnsafeSvg` when ``data`` is not an SVG document."""
    from lxml import etree  # 5 ms of imports a build publishing no SVG skips

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_pis=True, remove_comments=True, strip_cdata=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.LxmlError as exc:  # a syntax error, or an entity bomb that libxml2 stops
        raise UnsafeSvg(f"it is not well-formed XML ({getattr(exc, 'msg', None) or exc})") from exc
    if root.tag != f"{SVG_PREFIX}svg":
        raise UnsafeSvg("its root element is not an SVG `<svg>` element")
    for element in list(root.iter()):
        if element is root:
            _clean_attributes(element)
        elif not _keep(element):
            _remove(element)
    for element in list(root.iter(f"{{{SVG_NS}}}a")):
        _unwrap(element)
    for element in root.iter(f"{{{SVG_NS}}}style"):
        element.text = _clean_css(element.text or "")
        for child in list(element):
            element.remove(child)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8") + b"\n"


def _keep(element) -> bool:
    """Whether ``element`` stays (its attributes cleaned); entities, comments and PIs never do."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith(SVG_PREFIX) or element.getparent() is None:
        return False
    if tag[len(SVG_PREFIX):] not in KEPT_ELEMENTS:
        return False
    _clean_attributes(element)
    return True


def _clean_attributes(element) -> None:
    local = element.tag[len(SVG_PREFIX):]
    attributes = element.attrib
    for key, value in list(attributes.items()):
        if not _attribute_allowed(local, key, value):
            del attributes[key]


def _attribute_allowed(element: str, key: str, value: str) -> bool:
    namespace, _, localname = key[1:].partition("}") if key.startswith("{") else (None, "", key)
    if namespace not in (None, XLINK_NS, XML_NS) or not ATTRIBUTE_NAME.match(localname):
        return False
    if namespace == XML_NS:
        return localname in ("space", "lang")
    if localname[:2].lower() == "on":
        return False
    if localname == "href":
        return bool(FRAGMENT.match(value) or (element in RASTER_HREF_ELEMENTS and RASTER_DATA.match(value)))
    if namespace == XLINK_NS:
        return localname == "title"
    if not any(mark in value for mark in CSS_MARKS):
        return True  # nothing of what follows can be in it: most attributes of a drawing (numbers, colours, paths)
    return not CSS_ACTIVE.search(value) and not CSS_IMPORT.search(value) and _css_urls_local(value)


def _css_urls_local(text: str) -> bool:
    """Every ``url(`` of ``text`` names a fragment of this file (an unclosed ``url(`` counts too)."""
    return not NON_LOCAL_URL.search(text) and all(FRAGMENT.match(m.group("url")) for m in CSS_URL.finditer(text))


def _clean_css(css: str) -> str:
    """A ``<style>`` sheet without ``@import`` or ``url()`` outside the file; one using anything in
    :data:`CSS_ACTIVE` is dropped whole."""
    if CSS_ACTIVE.search(css):
        return ""
    css = CSS_IMPORT.sub("", css)
    css = CSS_URL.sub(lambda m: m.group(0) if FRAGMENT.match(m.group("url")) else "none", css)
    return "" if NON_LOCAL_URL.search(css) else css


def _remove(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _unwrap(element) -> None:
    """Replace ``element`` by its children (and text) in its parent."""
    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    children = list(element)
    if element.text:
        if index:
            previous = parent[index - 1]
            previous.tail = (previous.tail or "") + element.text
        else:
            parent.text = (parent.text or "") + element.text
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if element.tail:
        if children:
            children[-1].tail = (children[-1].tail or "") + element.tail
        else:
            _remove(element)
            return
    parent.remove(element)
