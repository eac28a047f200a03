"""``devportal render-spec``: one spec's API reference built as a site of its own, with the portal's theme."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from generator.diagnostics import Diagnostics, report
from generator.package_data import templates_dir
from generator.render.escaping import html_nav, html_text, markdown_text
from generator.render.reference import reference_workers, render_api_reference
from generator.render.reference.render import REFERENCE_SEARCH, install_page_template
from generator.render.staged_page import write_page
from generator.stage.site import build_site
from generator.urls import slug


def run_render_spec(spec_path: Path, out_dir: Path, *, strict: bool = False) -> int:
    """``devportal render-spec``: one spec's reference as a site of its own, with the portal's theme.

    Returns the exit code: 0 built, 1 problems, 2 no such spec file."""
    spec_path = spec_path.resolve()
    if not spec_path.is_file():
        print(f"{spec_path}: no such file", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="devportal-render-spec-") as tmp:
        docs = Path(tmp) / "docs"
        overrides = Path(tmp) / "overrides"
        portal_overrides = templates_dir() / "overrides"
        if portal_overrides.is_dir():
            shutil.copytree(portal_overrides, overrides)
        install_page_template(overrides)
        prefix = slug(spec_path.stem, "default")
        with reference_workers() as workers:
            reference = render_api_reference(spec_path, source_root=spec_path.parent, docs_dir=docs,
                                             url_prefix=prefix, display_path=spec_path.name,
                                             fragments_dir=overrides, workers=workers)
        problems = Diagnostics(reference.diagnostics)
        if not reference.nav:
            report(problems, strict=strict)
            return 1
        write_page(docs / "index.md", {"search": REFERENCE_SEARCH, "title": reference.title},
                   f"# {markdown_text(reference.title)}\n\n[Open the API reference]({prefix}/index.md)")
        config = {"site_name": html_text(reference.title), "docs_dir": "docs", "use_directory_urls": True,
                  "theme": {"name": "material", "font": False, "features": ["navigation.indexes", "navigation.prune"],
                            "custom_dir": str(overrides)},
                  "extra_css": [a for a in reference.assets if a.endswith(".css")] +
                  (["assets/stylesheets/portal.css"] if (overrides / "assets/stylesheets/portal.css").is_file()
                   else []),
                  "extra_javascript": [a for a in reference.assets if a.endswith(".js")],
                  "markdown_extensions": ["attr_list", "md_in_html", "tables"],
                  "plugins": ["search"], "nav": html_nav([{"Home": "index.md"}, {reference.title: reference.nav}])}
        config_path = Path(tmp) / "mkdocs.yml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        if problems.has_errors(strict=strict):
            report(problems, strict=strict)
            return 1
        problems.extend(build_site(config_path, out_dir, strict=False))
        report(problems, strict=strict)
        if problems.has_errors(strict=strict):
            return 1
    print(f"reference built: {out_dir}", file=sys.stderr)
    return 0
