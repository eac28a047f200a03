"""The API reference of a spec, kept by content hash: a spec whose files did not change is not rendered again.

An entry is keyed by devportal's code and templates, every rendering option and the spec's bytes, and is
valid while every file the rendering read (the spec and what its ``$ref``s reached) has the digest it had.
Files inside the source's checkout are recorded by their path in the repo, not by the checkout's folder
(which is named after the commit): a commit that changes no file the reference read does not render it again.
It holds the files written under the reference's folder of the docs tree and of the theme's fragments,
and the :class:`ApiReference` itself. Only the newest entry of a reference's folder is kept, and a staging
deletes the folders of references no longer in the portal. Specs that may read remote ``$ref``s are always
rendered (a remote document can change without notice).

An entry's files are never written again once it is in place (it is made in a folder of its own and renamed
into place, and only removed whole): the staged tree holds hard links to them, and the files a rendering
wrote are kept by linking them into the entry. A restored reference then costs a link per file, where a copy
read it and compared it with the last staged tree's (27 MB at the scale benchmark's M).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.package_data import code_digest
from generator.render.reference.render import (
    ASSETS,
    FRAGMENTS,
    TRY_IT_ASSETS,
    ApiReference,
    _copy_assets,
    render_api_reference,
)
from generator.repo_files import DEFAULT_LIMITS

CACHE_FORMAT = 3


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fingerprint(uri: str, size: int | None = None) -> tuple[int, str] | None:
    """(size, digest) of a file the rendering read; with ``size`` (the recorded one), a file of another size is
    not read at all (it changed, and it may have grown past every limit)."""
    path = Path(unquote(urlsplit(uri).path))
    try:
        actual = path.stat().st_size
        if size is not None and actual != size:
            return None
        return actual, _digest(path.read_bytes())
    except OSError:
        return None


def cached_api_reference(spec_path: Path, *, reference_cache: Path | None, docs_dir: Path, url_prefix: str,
                         fragments_dir: Path | None = None, **options: Any) -> ApiReference:
    """:func:`render_api_reference` (same arguments), reusing the output of an identical earlier rendering
    kept in ``reference_cache``."""
    reference = restore_api_reference(spec_path, reference_cache=reference_cache, docs_dir=docs_dir,
                                      url_prefix=url_prefix, fragments_dir=fragments_dir, **options)
    if reference is not None:
        return reference
    reference = render_api_reference(spec_path, docs_dir=docs_dir, url_prefix=url_prefix, fragments_dir=fragments_dir,
                                     **options)
    place = _entry(spec_path, reference_cache, docs_dir, url_prefix, fragments_dir, options)
    if place is not None:
        _store(*place, reference, options.get("source_root"))
    return reference


def restore_api_reference(spec_path: Path, *, reference_cache: Path | None, docs_dir: Path, url_prefix: str,
                          fragments_dir: Path | None = None, copy_file: Callable[[str, str], object] = shutil.copy2,
                          **options: Any) -> ApiReference | None:
    """The reference an identical earlier rendering kept in ``reference_cache``, its files written again as that
    rendering wrote them (each by ``copy_file``); ``None`` when there is none (see :func:`cached_api_reference`)."""
    place = _entry(spec_path, reference_cache, docs_dir, url_prefix, fragments_dir, options)
    if place is None:
        return None
    _, entry, outputs = place
    reference = _restore(entry, outputs, options.get("source_root"), copy_file)
    if reference is not None:
        _copy_assets(docs_dir, ASSETS)
        if options.get("try_it") is not None:
            _copy_assets(docs_dir, TRY_IT_ASSETS)
    return reference


def _entry(spec_path: Path, reference_cache: Path | None, docs_dir: Path, url_prefix: str,
           fragments_dir: Path | None, options: dict[str, Any]) -> tuple[Path, Path, list[tuple[Path, str]]] | None:
    """(the reference folder's place in the cache, the entry of this rendering, the outputs it keeps), or
    ``None`` when the rendering is not kept."""
    limits = options.get("limits") or DEFAULT_LIMITS
    if reference_cache is None or options.get("remote_refs") or not spec_path.is_file() or \
            spec_path.stat().st_size > limits.spec_bytes:  # never read a spec the rendering refuses unread
        return None
    prefix = url_prefix.strip("/")
    # the checkout's folder names its commit: the files read from it are recorded relative to it (see _store)
    settings = {k: v for k, v in options.items() if k not in ("workers", "cache_dir", "source_root", "parsed")}
    key = _digest(repr((CACHE_FORMAT, code_digest(), prefix, fragments_dir is None, sorted(settings.items(),
                                                                                          key=lambda kv: kv[0]),
                        spec_path.read_bytes())).encode())
    folder = reference_folder(reference_cache, prefix)
    outputs = [(docs_dir / prefix, "docs")]
    if fragments_dir is not None:
        outputs.append((fragments_dir / FRAGMENTS / prefix, "fragments"))
    return folder, folder / key[:32], outputs


def reference_folder(reference_cache: Path, url_prefix: str) -> Path:
    """The folder of ``reference_cache`` holding the entry of the reference at ``url_prefix``."""
    return reference_cache / _digest(url_prefix.strip("/").encode())[:24]


def _in_checkout(uri: str, source_root: Path | None) -> str:
    """``uri`` as recorded in an entry: ``root:`` and its path in the checkout when it is in ``source_root``."""
    path = Path(unquote(urlsplit(uri).path))
    root = None if source_root is None else Path(source_root).resolve()
    if root is not None and path.is_relative_to(root):
        return "root:" + path.relative_to(root).as_posix()
    return uri


def _from_checkout(recorded: str, source_root: Path | None) -> str | None:
    """The file URI of what :func:`_in_checkout` recorded, in today's checkout (None: no checkout to read)."""
    if not recorded.startswith("root:"):
        return recorded
    return None if source_root is None else (Path(source_root).resolve() / recorded[len("root:"):]).as_uri()


def _restore(entry: Path, outputs: list[tuple[Path, str]], source_root: Path | None,
             copy_file: Callable[[str, str], object]) -> ApiReference | None:
    try:
        reference, inputs = pickle.loads((entry / "reference.pickle").read_bytes())  # noqa: S301 - our own cache
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    if not isinstance(reference, ApiReference):
        return None
    uris = {recorded: _from_checkout(recorded, source_root) for recorded in inputs}
    if any(uri is None or _fingerprint(uri, size) != (size, digest)
           for (recorded, (size, digest)), uri in zip(inputs.items(), uris.values(), strict=True)):
        return None
    reference.inputs = sorted(uris.values())
    for target, name in outputs:
        if (entry / name).is_dir():
            shutil.copytree(entry / name, target, dirs_exist_ok=True, copy_function=_linking(copy_file))
    return reference


def _linking(copy_file: Callable[[str, str], object]) -> Callable[[str, str], object]:
    """A ``copy_function`` for :func:`shutil.copytree` that puts a hard link to the file in place of a copy
    (see the module docstring), and copies it with ``copy_file`` where no link can be made (another file
    system, or one without hard links)."""
    def place(source: str, target: str) -> object:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)  # never write into a file that may be a link to an entry's
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError:
            copy_file(source, target)
        return target
    return place


def _store(folder: Path, entry: Path, outputs: list[tuple[Path, str]], reference: ApiReference,
           source_root: Path | None) -> None:
    inputs = {_in_checkout(uri, source_root): _fingerprint(uri) for uri in reference.inputs}
    if not inputs or any(fingerprint is None for fingerprint in inputs.values()):
        return  # nothing known about what it read (or it read a remote document): not kept
    temporary = folder / f".{entry.name}.{os.getpid()}"
    try:
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir(parents=True)
        for source, name in outputs:
            if source.is_dir():
                shutil.copytree(source, temporary / name, copy_function=_linking(shutil.copy2))
        (temporary / "reference.pickle").write_bytes(pickle.dumps((reference, inputs)))
        for old in folder.iterdir():  # one entry per reference folder: the newest
            if old != temporary:
                shutil.rmtree(old, ignore_errors=True)
        os.replace(temporary, entry)
    except OSError:
        shutil.rmtree(temporary, ignore_errors=True)
