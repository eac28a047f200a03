"""Where the package's own templates and theme assets are, wherever it is installed.

They ship as the package ``generator.templates`` (the repository's top-level ``templates/`` folder,
mapped into the package by ``pyproject.toml``), so a wheel installed anywhere finds them exactly as an
editable install or a source checkout does.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def templates_dir() -> Path:
    """The folder holding ``apiref/``, ``overrides/``, ``portal/`` and ``updates/``."""
    source = Path(__file__).resolve().parents[1] / "templates"
    if (source / "apiref").is_dir() and (source.parent / "pyproject.toml").is_file():
        # A source checkout: its own templates, even when an editable install of another checkout maps
        # ``generator.templates`` elsewhere (its finder answers for the submodule this package lacks).
        return source
    try:
        import generator.templates as templates
    except ModuleNotFoundError:  # a source checkout run without installing (PYTHONPATH=.)
        return Path(__file__).resolve().parents[1] / "templates"
    return Path(templates.__file__).resolve().parent
