"""An API published in several versions: the versions' data, and the version bar of every reference page.

Each version of an API has a reference of its own (the current one at ``<source>/api/<spec>/``, an older
one at ``<source>/api/<spec>/<version>/``). Every page of each gets a version bar: links to the other
versions (the same page there when it exists, else that version's overview; a small script sends the
reader to the same operation when the other version has it) and, on an older version, a banner saying
which version this is, whether it is deprecated and when it stops working. The bar is a fragment beside
the page's own (:data:`~generator.render.reference.render.FRAGMENTS`), written once every version is
rendered, so the pages themselves need not know each other.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from generator.render.reference.render import FRAGMENTS, ApiReference, _environment, _raw
from generator.urls import page_url

#: Search weight of an older version's pages: a query finds the current version's operation first.
OLD_VERSION_SEARCH = {"boost": 0.2}
#: The front-matter key telling the reference's page template to include the page's version bar.
VERSIONS_META = "api_versions"


@dataclass
class ApiVersion:
    """One version of an API and where its reference is."""

    name: str
    """Its label and (for an older version) URL segment."""
    spec_file: str
    """The spec's path in the source's repo (at ``ref`` when set)."""
    ref: str | None
    """The Git ref the spec is read at (``None``: the source's own commit)."""
    commit: str | None
    prefix: str
    """The staged folder of its reference: ``payments/api/payments`` or ``payments/api/payments/1.0``."""
    current: bool
    deprecated: bool = False
    sunset: str | None = None
    """The day it stops working, ``YYYY-MM-DD``."""
    reference: ApiReference | None = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        """Where its spec document comes from: ``openapi/payments.yaml`` or ``openapi/payments.yaml@v1``."""
        return f"{self.spec_file}@{self.ref}" if self.ref else self.spec_file

    @property
    def overview(self) -> str:
        """The staged page of its reference's overview."""
        return f"{self.prefix}/index.md"

    def url(self, use_directory_urls: bool = True) -> str:
        """The URL of its reference's overview, relative to the site root."""
        return page_url(self.overview, use_directory_urls=use_directory_urls)


@dataclass
class VersionedApi:
    """An API of a source with all its published versions, oldest first and the current one last."""

    source: str
    spec_file: str
    """The current spec's path in the source's repo."""
    slug: str
    versions: list[ApiVersion] = field(default_factory=list)

    @property
    def current(self) -> ApiVersion:
        return self.versions[-1]


def write_version_bars(api: VersionedApi, fragments_dir: Path, *, use_directory_urls: bool = True,
                       policy_page: str | None = None) -> None:
    """The version bar fragment of every page of every version of ``api`` (see the module docstring);
    ``policy_page`` is the staged page of the portal's API lifecycle policy, linked from the banners."""
    rendered = [version for version in api.versions if version.reference is not None]
    template = _environment().get_template("versions.html.j2")
    for version in rendered:
        reference = version.reference
        anchors_on: dict[str, list[tuple[str, str]]] = {}
        for endpoint, (page, anchor) in reference.endpoints.items():
            anchors_on.setdefault(page, []).append((endpoint, anchor))
        for page in reference.pages:
            here = page_url(page, use_directory_urls=use_directory_urls)
            relative = page.removeprefix(version.prefix + "/")
            links, targets = [], {}
            for other in rendered:
                same = f"{other.prefix}/{relative}"
                target = same if same in other.reference.pages else other.overview
                links.append({"name": other.name, "here": other is version, "current": other.current,
                              "deprecated": other.deprecated,
                              "href": _href(here, page_url(target, use_directory_urls=use_directory_urls))})
                if other is version:
                    continue
                for endpoint, anchor in anchors_on.get(page, []):
                    found = other.reference.endpoints.get(endpoint)
                    if found:
                        targets.setdefault(anchor, {})[other.name] = _href(
                            here, page_url(found[0], use_directory_urls=use_directory_urls), found[1])
            html = template.render(version=version, links=links, targets=targets, current=api.current,
                                   old_version_weight=OLD_VERSION_SEARCH["boost"],
                                   current_href=_href(here, api.current.url(use_directory_urls)),
                                   policy_href=_href(here, page_url(policy_page, use_directory_urls=use_directory_urls))
                                   if policy_page else None)
            target_file = fragments_dir / version_bar_fragment(page)
            target_file.parent.mkdir(parents=True, exist_ok=True)
            target_file.write_text(_raw(html), encoding="utf-8")


def version_bar_fragment(staged_page: str) -> str:
    """The theme-relative path of a reference page's version bar (beside the page's own fragment)."""
    return f"{FRAGMENTS}/{staged_page[:-3]}.versions.html"


def _href(from_url: str, to_url: str, anchor: str | None = None) -> str:
    """The relative link from the page at ``from_url`` to ``to_url`` (both relative to the site root, as
    :func:`~generator.urls.page_url` gives them)."""
    base = "/" + (from_url if from_url.endswith("/") else posixpath.dirname(from_url))
    target = posixpath.relpath("/" + to_url.removeprefix("./"), base.replace("/./", "/"))
    if to_url.endswith("/") and target != ".":
        target += "/"
    return (target if target != "." else "./") + (f"#{anchor}" if anchor else "")


__all__ = ["OLD_VERSION_SEARCH", "VERSIONS_META", "ApiVersion", "VersionedApi",
           "version_bar_fragment", "write_version_bars"]
