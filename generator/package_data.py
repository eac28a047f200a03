"""Where the package's own templates and theme assets are, wherever it is installed.

They ship as the package ``generator.templates`` (the repository's top-level ``templates/`` folder,
mapped into the package by ``pyproject.toml``), so a wheel installed anywhere finds them exactly as an
editable install or a source checkout does.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FRAGMENTS = "devportal-apiref"
"""The folder of the staged theme overrides holding the API references' pre-rendered fragments (named here,
below every step, so that telling them apart in a staged tree does not import the renderers)."""
BANNER = "_problems.html"
"""A reference's problems banner, in its folder of :data:`FRAGMENTS`: the one fragment every page of the
reference includes (each other fragment is one page's)."""


@lru_cache(maxsize=1)
def templates_dir() -> Path:
    """The folder holding ``apiref/``, ``overrides/``, ``portal/`` and ``updates/``.

    In a source checkout (editable install or ``PYTHONPATH``) that is the checkout's own ``templates/``
    beside ``generator/``: another checkout's editable install must not lend its templates. Installed from
    a wheel, it is the package ``generator.templates``.
    """
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / "templates" / "__init__.py").is_file():
        return checkout / "templates"
    import generator.templates as templates

    return Path(templates.__file__).resolve().parent


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of devportal's own code and templates: part of the key of everything cached from a build,
    so that an upgrade (or an edit of a checkout) never reuses output the previous code made."""
    import hashlib

    hasher = hashlib.sha256()
    for root in (Path(__file__).resolve().parent, templates_dir()):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.suffix in (".py", ".html", ".j2", ".css", ".js", ".svg", ".yml", ".md") and \
                    "__pycache__" not in path.parts:
                hasher.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()
