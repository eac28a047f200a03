"""The API reference of an OpenAPI / Swagger spec, rendered to static HTML inside staged Markdown pages.

For a spec staged under ``<prefix>/`` it writes: ``index.md`` (overview: servers, authentication,
contact, licence, downloads, operations by tag), one page per tag (three columns on wide screens: code
samples and examples beside each operation), ``models.md`` (every component schema), ``all.md`` (the
whole API on one page, lighter for big specs) and the bundled spec as ``<slug>.yaml`` / ``.json``.
Every operation has a stable anchor ``operation/<operationId>`` (else ``paths/<path>/<method>``), and
Redoc-style fragments (``#tag/T/operation/X``) are sent to the right page by a small script.
"""

from __future__ import annotations

from generator.render.reference.cache import cached_api_reference, reference_folder, restore_api_reference
from generator.render.reference.render import (
    ApiReference,
    prepare_rendering,
    reference_workers,
    render_api_reference,
)
from generator.validate.spec import validate_spec

__all__ = ["ApiReference", "cached_api_reference", "prepare_rendering", "reference_folder", "reference_workers",
           "render_api_reference", "restore_api_reference", "validate_spec"]
