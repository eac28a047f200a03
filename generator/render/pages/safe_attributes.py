"""A Python-Markdown extension: no element a page's Markdown generates carries script.

Raw HTML from untrusted sources is cleaned at staging (:mod:`generator.render.pages.sanitize`), but the
Markdown itself also makes elements and attributes: ``attr_list`` puts any attribute on them
(``![i](x.png){ onerror="..." }``, ``{: autofocus onfocus=... }``) and a link or image keeps the URL the page
wrote, entities included (``[x](jav&#x61;script:...)`` is a live ``javascript:`` link once the browser decodes
it). Those exist only after the Markdown is parsed, so this check runs inside the build: the generated
``mkdocs.yml`` lists the extension, and MkDocs and Zensical both run it on every page.

It applies the sanitizer's policy (:func:`~generator.render.pages.sanitize.is_safe_attribute`): event
handlers and ``srcdoc`` are removed, and so is a URL attribute whose scheme is not http(s), mailto, tel, ftp
or relative. It runs last among the tree processors, after attr_list and after escapes are restored.
Raw HTML blocks are not in the tree it sees: a trusted source's raw HTML stays as written.

The extension also registers :mod:`generator.render.pages.raw_html_urls`, which makes MkDocs resolve the
relative URLs of raw HTML as it resolves Markdown links, and :mod:`generator.render.pages.linear_fences`,
which puts superfences' code blocks back into a page in linear time (listed after ``pymdownx.superfences``,
it replaces that extension's preprocessor). The staged pages need all three, and list one extension.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

from generator.render.pages.linear_fences import use_linear_fences
from generator.render.pages.raw_html_urls import RawHtmlUrlsTreeprocessor
from generator.render.pages.sanitize import is_safe_attribute

#: Python-Markdown's name for this extension in ``markdown_extensions``.
EXTENSION = "generator.render.pages.safe_attributes"


class SafeAttributesTreeprocessor(Treeprocessor):
    """Removes the attributes the sanitizer's policy rejects from every element of the page's tree."""

    def run(self, root: Element) -> None:
        for element in root.iter():
            for name, value in list(element.attrib.items()):
                if not is_safe_attribute(name, value):
                    del element.attrib[name]


class SafeAttributesExtension(Extension):
    """``markdown_extensions: [generator.render.pages.safe_attributes]``."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.treeprocessors.register(SafeAttributesTreeprocessor(md), "devportal_safe_attributes", -100)
        md.treeprocessors.register(RawHtmlUrlsTreeprocessor(md), "devportal_raw_html_urls", -101)
        use_linear_fences(md)


def makeExtension(**kwargs) -> SafeAttributesExtension:  # noqa: N802 (Python-Markdown's entry point)
    return SafeAttributesExtension(**kwargs)
