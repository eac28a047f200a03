"""The portal's search with Pagefind (``search: pagefind``): a chunked static index of the built site.

Material's own search (lunr) sends every reader one index of every heading of the portal before the first
result (16 MB at 2,000 pages). Pagefind splits its index into chunks and each page's text into a fragment,
and a query downloads only the chunks of its words and the fragments of the results shown. Staging puts
the search box (Material's markup, answered by Pagefind) into the theme; after the build, :func:`index_site`
indexes the site's content (``article.md-content__inner``: no navigation, header or footer) into
``pagefind/``, offline, before the site is swapped in.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from generator.diagnostics import Diagnostic, error
from generator.package_data import templates_dir

SEARCH_TEMPLATES = templates_dir() / "search"
BUNDLE = "pagefind"
#: What Pagefind indexes of a page: its content, without the permalink signs, the edit buttons, the
#: "last updated" line, the feedback widget and the sections Material's search leaves out too.
ROOT_SELECTOR = "article.md-content__inner"
EXCLUDED = [".headerlink", ".md-content__button", ".md-source-file", ".md-feedback", "[data-search-exclude]"]
TIMEOUT_S = 1800


def install_search_box(theme_dir: Path) -> None:
    """Put the Pagefind search box (``partials/search.html``) and its script into a theme ``custom_dir``."""
    (theme_dir / "partials").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SEARCH_TEMPLATES / "search.html", theme_dir / "partials" / "search.html")
    scripts = theme_dir / "assets" / "javascripts"
    scripts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SEARCH_TEMPLATES / "devportal-search.js", scripts / "devportal-search.js")


def index_site(site_dir: Path, *, config_file: str) -> list[Diagnostic]:
    """Index the built ``site_dir`` with Pagefind into ``site_dir/pagefind``; Material's lunr index, which
    no page loads any more, is removed. Returns an error naming what failed (the site is then not swapped in)."""
    # An incremental build's folder holds hard links to the live site's files: Pagefind must write new files,
    # never into those (it would change the live site before the swap).
    shutil.rmtree(site_dir / BUNDLE, ignore_errors=True)
    argv = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir", BUNDLE,
            "--root-selector", ROOT_SELECTOR, "--silent"]
    for selector in EXCLUDED:
        argv += ["--exclude-selectors", selector]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [error(config_file, f"Pagefind could not index the site: {exc}", code="search-index",
                      hint="install it with `pip install 'pagefind[bin]'`, or set `search: lunr`")]
    if result.returncode != 0 or not (site_dir / BUNDLE / "pagefind.js").is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()
        return [error(config_file, f"Pagefind could not index the site (exit {result.returncode})"
                      + (f": {detail[-1]}" if detail else ""), code="search-index",
                      hint="install it with `pip install 'pagefind[bin]'`, or set `search: lunr`")]
    shutil.rmtree(site_dir / "search", ignore_errors=True)
    return []
