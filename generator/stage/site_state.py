"""What the last good site was built from, so that the next build does only what changed.

After every successful build the state of the site is recorded (in the cache folder, one file per site
folder): a digest of everything that shapes every page (devportal's code and templates, MkDocs' and
Material's versions, the generated ``mkdocs.yml``, the theme overrides), each staged file's digest (and,
for a page, its front matter's), and every output file's size, mtime and inode. The next build compares
the new staged tree with it (:func:`plan_build`):

* nothing changed and the site is as it was left: the site is reused, MkDocs does not run;
* only page bodies (or the API-reference fragments their pages include, or other staged files in place)
  changed: a *dirty* build renders only those pages into a hard-linked copy of the last site;
* anything else (a page added, removed or retitled, the nav, the config, the theme, devportal itself,
  a site edited by hand, a last build with MkDocs warnings): a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from stat import S_ISREG

from generator.cache_entries import UNUSED_S, remove_entry
from generator.package_data import FRAGMENTS, code_digest

STATE_FORMAT = 1
_PROVENANCE = re.compile(rb"(?m)^(\s+)commit: [0-9a-f]{40}$")  # extra.devportal.sources[].commit
_SOURCES_IN_TEMPLATE = (b".sources", b"'sources'", b'"sources"')


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(root: Path) -> list[Path]:
    return [root / rel for rel in sorted(_file_stats(root), key=lambda rel: rel.split("/"))]


def _file_stats(root: Path) -> dict[str, os.stat_result]:
    """Every file under ``root`` (symbolic links followed to files, not into folders), by its posix path
    relative to ``root``, with its ``stat``: ``rglob`` and ``is_file`` as one walk of plain strings, which
    takes a third of their time on a site of a thousand files."""
    found: dict[str, os.stat_result] = {}
    top = os.fspath(root)
    for folder, _, names in os.walk(top):
        prefix = folder[len(top) + 1:].replace(os.sep, "/")
        for name in names:
            try:
                stat = os.stat(os.path.join(folder, name))
            except OSError:
                continue  # a broken link
            if S_ISREG(stat.st_mode):
                found[f"{prefix}/{name}" if prefix else name] = stat
    return found


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def front_matter(data: bytes) -> bytes:
    """The front matter block of a staged page (empty when it has none)."""
    if not data.startswith(b"---\n"):
        return b""
    end = data.find(b"\n---\n", 3)
    return data[:end + 5] if end >= 0 else data


@dataclass
class StagedInputs:
    """Digests of what a build of the staged tree reads."""

    engine: str  # everything global: code, versions, mkdocs.yml, theme overrides except the reference fragments
    docs: dict[str, list[str]]  # docs-relative path → [front matter digest, file digest]
    fragments: dict[str, str]  # overrides-relative path of an API-reference fragment → digest

    def changed_since(self, old: StagedInputs) -> tuple[list[str], list[str]]:
        """(docs files whose bytes changed, fragments whose bytes changed); both trees hold the same files."""
        return ([path for path, digests in self.docs.items() if old.docs[path] != digests],
                [path for path, digest in self.fragments.items() if old.fragments[path] != digest])


def staged_inputs(mkdocs_yml: Path, site_dir: Path) -> StagedInputs:
    """Read the staged tree beside ``mkdocs_yml`` (``docs/`` and ``overrides/``) and digest it."""
    stage = mkdocs_yml.parent
    engine = hashlib.sha256()
    for part in (str(STATE_FORMAT), sys.version, _version("mkdocs"), _version("mkdocs-material"), code_digest(),
                 str(site_dir)):
        engine.update(part.encode() + b"\0")
    fragments: dict[str, str] = {}
    overrides = stage / "overrides"
    reads_sources = False
    for path in _files(overrides):
        rel = path.relative_to(overrides).as_posix()
        data = path.read_bytes()
        if rel.startswith(f"{FRAGMENTS}/"):
            fragments[rel] = _digest(data)
        else:
            engine.update(rel.encode() + b"\0" + data + b"\0")
            reads_sources = reads_sources or any(name in data for name in _SOURCES_IN_TEMPLATE)
    config = mkdocs_yml.read_bytes()
    if not reads_sources:  # the commits built are provenance no template prints: a new commit alone changes no page
        config = _PROVENANCE.sub(rb"\1commit: -", config)
    engine.update(config)
    docs: dict[str, list[str]] = {}
    docs_dir = stage / "docs"
    for path in _files(docs_dir):
        data = path.read_bytes()
        docs[path.relative_to(docs_dir).as_posix()] = [
            _digest(front_matter(data)) if path.suffix == ".md" else "", _digest(data)]
    return StagedInputs(engine=engine.hexdigest(), docs=docs, fragments=fragments)


def site_files(site_dir: Path) -> dict[str, list[int]]:
    """Every file of a built site: [size, mtime_ns, inode], to tell whether anything touched it since."""
    return {rel: [stat.st_size, stat.st_mtime_ns, stat.st_ino] for rel, stat in _file_stats(site_dir).items()}


@dataclass
class SiteState:
    """The record of the last good build of one site folder."""

    inputs: StagedInputs
    site: dict[str, list[int]] = field(default_factory=dict)
    clean: bool = True  # MkDocs reported nothing (its warnings would not be repeated by a partial build)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps({"format": STATE_FORMAT, **asdict(self)}), encoding="utf-8")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> SiteState | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.pop("format") != STATE_FORMAT:
                return None
            return cls(inputs=StagedInputs(**data.pop("inputs")), **data)
        except (OSError, ValueError, KeyError, TypeError):
            return None


def state_file(cache_dir: Path, site_dir: Path) -> Path:
    """Where the state of the site at ``site_dir`` is kept."""
    return cache_dir / "sites" / f"{_digest(str(site_dir.resolve()).encode())[:24]}.json"


def forget_unused_sites(state_file: Path, now: float) -> None:
    """Delete the records and kept sites of the other site folders beside ``state_file`` that no build used
    for a week (``UNUSED_S``): a kept site whose folder is gone (a ``--site-dir`` built once) holds all its
    bytes alone, and would stay in a cache kept between CI runs for ever. Their next build is a full one."""
    last: dict[str, float] = {}
    try:
        for entry in os.scandir(state_file.parent):
            key = entry.name.split(".", 1)[0]
            if key and key != state_file.stem:  # not a temporary entry (".name"), not this site's
                last[key] = max(last.get(key, 0.0), entry.stat(follow_symlinks=False).st_mtime)
    except OSError:
        return
    for key, used in last.items():
        if now - used > UNUSED_S:
            remove_entry(state_file.with_name(f"{key}.json"))
            remove_entry(kept_tree(state_file.with_name(f"{key}.json")))


def kept_tree(state_file: Path) -> Path:
    """Where the site that the last build of the site recorded in ``state_file`` replaced is kept (a tree of
    hard links, see :func:`generator.stage.swap.swap_into_place`), for the next incremental build to reuse."""
    return state_file.with_suffix(".previous")


@dataclass
class BuildPlan:
    """What the next build does: ``reuse`` the site, a ``dirty`` build of ``pages`` (docs-relative paths,
    pages and other files) into a copy of the last site, or a ``full`` build; ``reason`` says why."""

    kind: str
    reason: str
    pages: list[str] = field(default_factory=list)


def plan_build(inputs: StagedInputs, state: SiteState | None, site_dir: Path) -> BuildPlan:
    """Compare the staged tree with the last good build of ``site_dir`` and say what to rebuild."""
    if state is None:
        return BuildPlan("full", "no record of a previous build")
    if not state.clean:
        return BuildPlan("full", "the last build had MkDocs warnings")
    if site_files(site_dir) != state.site:
        return BuildPlan("full", "the site was changed since the last build")
    return changes(state.inputs, inputs)


def changes(old: StagedInputs, new: StagedInputs) -> BuildPlan:
    """What to rebuild of a site built from ``old`` to make it the site of ``new``."""
    if old.engine != new.engine:
        return BuildPlan("full", "the configuration, theme or devportal changed")
    if old.docs.keys() != new.docs.keys() or old.fragments.keys() != new.fragments.keys():
        return BuildPlan("full", "files were added or removed")
    changed, fragments = new.changed_since(old)
    if any(old.docs[path][0] != new.docs[path][0] for path in changed):
        return BuildPlan("full", "a page's front matter (title, metadata) changed")
    pages = set(changed)
    for fragment in fragments:  # every page of that API reference includes its fragments (and banner)
        prefix = PurePosixPath(fragment).parent.relative_to(FRAGMENTS).as_posix() + "/"
        pages.update(path for path in new.docs if path.startswith(prefix) and path.endswith(".md"))
    if not pages:
        return BuildPlan("reuse", "nothing changed")
    return BuildPlan("dirty", f"{len(pages)} file(s) changed", sorted(pages))
