"""What staging produced: each source's contribution and the staged portal, with the page metadata the theme reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.config import SourceConfig
from generator.diagnostics import Diagnostic, Diagnostics, Severity
from generator.sources import CheckedOutSource

if TYPE_CHECKING:  # the renderers are not imported by a build that reuses its staged tree
    from generator.render.pages import ConvertedPage, SiteIndex
    from generator.render.reference import ApiReference
    from generator.render.reference.versions import VersionedApi


@dataclass
class StagedSource:
    """What one source contributed to the stage."""

    checkout: CheckedOutSource
    plans: list = field(default_factory=list)
    spec_files: list[str] = field(default_factory=list)
    pages: list[ConvertedPage] = field(default_factory=list)
    references: list[ApiReference] = field(default_factory=list)
    reference_slugs: dict[str, str] = field(default_factory=dict)  # spec's repo path → its reference's URL slug
    nav: list = field(default_factory=list)
    apis: list[VersionedApi] = field(default_factory=list)
    """Each of its APIs with every published version, oldest first and the current one last (one per spec,
    in the order of ``references``)."""

    @property
    def config(self) -> SourceConfig:
        return self.checkout.config

    @property
    def title(self) -> str:
        return self.config.title or self.config.name


@dataclass
class StagedPortal:
    """The staged docs tree and generated config, with every problem found while staging."""

    stage_dir: Path
    docs_dir: Path
    mkdocs_yml: Path
    config: dict[str, Any]
    sources: list[StagedSource]
    diagnostics: Diagnostics
    index: SiteIndex | None = None  # every page with its anchors, as the pages were converted against it
    portal_plans: list = field(default_factory=list)  # the portal's own pages, planned...
    portal_pages: list[ConvertedPage] = field(default_factory=list)  # ...and converted (in the same order)
    converted_pages: list[str] = field(default_factory=list)
    """Staged paths of the pages this staging converted (see :mod:`generator.stage.page_cache`)."""
    reused_pages: list[str] = field(default_factory=list)
    """Staged paths of the pages it took from the page cache (none when staging was skipped altogether)."""
    histories_read: list[str] = field(default_factory=list)
    """The specs (``<source>/<spec>``) whose Git history it read (see :mod:`generator.stage.changelog_cache`)."""

    def blocking(self, strict: bool = False) -> list[Diagnostic]:
        """The problems that stop the site from being built.

        With ``strict``, every error and warning. Otherwise only errors outside the sources' files (the
        config, the portal's own pages): a source's file that fails (too big, not UTF-8, an alias bomb, a
        page with broken front matter...) is left out or published with its error reported, and the rest of
        the portal builds, so one careless or hostile repo cannot take the whole portal down."""
        if strict:
            return [d for d in self.diagnostics if d.severity in (Severity.ERROR, Severity.WARNING)]
        names = {staged.config.name for staged in self.sources}
        return [d for d in self.diagnostics.errors
                if not (d.source in names or d.file.split("/", 1)[0] in names and "/" in d.file)]



def page_source_meta(checkout: CheckedOutSource, repo_path: str | None) -> dict[str, str]:
    """Front matter the theme uses for "Edit on GitHub" and "Report a problem"."""
    meta = {"source": checkout.config.name, "source_title": checkout.config.title or checkout.config.name}
    if repo_path:
        meta["source_file"] = repo_path
    if checkout.web_url:
        if repo_path:
            meta["edit_url"] = f"{checkout.web_url}/edit/{checkout.edit_branch}/{repo_path}"
        meta["issue_url"] = f"{checkout.web_url}/issues/new"
    if checkout.stale:
        meta["devportal_stale"] = checkout.stale.notice  # the API reference's template shows it as a banner
    return meta
