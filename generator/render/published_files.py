"""Which files of a source may be published beside its pages: the one place that decides.

A page links or embeds other files of its repo (images, diagrams, downloads). Whatever the portal
publishes is served from the portal's origin, so a file that a browser runs as a document (``.html``,
``.svg`` with ``<script>``, ``.js``, ``.css``, ``.xml``) would run the source's script for every reader.
For a source without ``trusted: true``, a file is published only as one of these inert kinds:

* **image**: ``.png .jpg .jpeg .gif .webp .avif .ico .bmp`` whose content (magic bytes, read by the
  ``filetype`` library) is one of those raster formats; a file named ``.png`` holding anything else is
  refused. Browsers never run an image.
* **svg**: ``.svg`` rebuilt by :func:`generator.render.svg.sanitize_svg` (no script, handlers, links,
  external references), so it is safe even opened directly at its URL.
* **video**: ``.mp4 .webm`` whose content is that format.
* **download**: ``.pdf .zip .gz .tgz`` by their magic bytes, and the text formats ``.txt .csv .json
  .yaml .yml`` (UTF-8, not starting like an HTML or XML document, so no host's content sniffing can
  turn them into a page).

Everything else is refused. A trusted source's files are published as they are.
"""

from __future__ import annotations

import codecs
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filetype

from generator.render.svg import UnsafeSvg, sanitize_svg

#: Extension → the content types (``filetype`` names) it may hold.
IMAGES = {".png": {"png", "apng"}, ".jpg": {"jpg"}, ".jpeg": {"jpg"}, ".gif": {"gif"}, ".webp": {"webp"},
          ".avif": {"avif"}, ".ico": {"ico"}, ".bmp": {"bmp"}}
RASTER = frozenset(kind for kinds in IMAGES.values() for kind in kinds)
VIDEOS = {".mp4": {"mp4", "m4v"}, ".webm": {"webm"}}
BINARY_DOWNLOADS = {".pdf": {"pdf"}, ".zip": {"zip"}, ".gz": {"gz"}, ".tgz": {"gz"}}
TEXT_DOWNLOADS = frozenset({".txt", ".csv", ".json", ".yaml", ".yml"})
#: What a browser sniffs as HTML or XML in a file served without a type (WHATWG MIME Sniffing, 7.1),
#: plus ``<svg``: a text download starting like this is refused.
MARKUP_START = re.compile(rb"^[\t\n\x0c\r ]*<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|"
                          rb"title|b|body|br|p|!--|\?xml|svg)(?:[\s>/]|$)", re.IGNORECASE)
SNIFF_BYTES = 512
ACTIVE = frozenset({".html", ".htm", ".xhtml", ".xht", ".shtml", ".xml", ".xsl", ".xslt", ".js", ".mjs", ".svgz",
                    ".mht", ".mhtml", ".swf"})
#: How to fix a refusal, for every diagnostic that reports one.
REFUSED_HINT = ("link or embed an image (PNG, JPEG, GIF, WebP, AVIF, ICO, BMP, SVG), a video (MP4, WebM) or a plain "
                "download (PDF, ZIP, gzip, TXT, CSV, JSON, YAML) instead, or set `trusted: true` on the source in the "
                "portal config if its files are reviewed like the portal's own")
DESCRIBED = {"image": "a PNG, JPEG, GIF, WebP, AVIF, ICO or BMP image", "video": "{} video", "download": "a {} file"}


@dataclass(frozen=True)
class FileVerdict:
    """Whether a repo file may be published, as what, and if not, why."""

    repo_path: str
    kind: str | None  # "image", "svg", "video", "download", "as-is" (trusted source); None: refused
    reason: str | None = None  # why it was refused, completing "`x` is not published: …"

    @property
    def published(self) -> bool:
        return self.kind is not None


def judge_file(root: Path, repo_path: str, *, trusted: bool) -> FileVerdict:
    """Decide whether ``repo_path`` (a file inside ``root``) may be published by its source."""
    if trusted:
        return FileVerdict(repo_path, "as-is")
    path = root / repo_path
    suffix = PurePosixPath(repo_path).suffix.lower()
    if suffix == ".svg":
        try:
            sanitize_svg(path.read_bytes())
        except UnsafeSvg as exc:
            return FileVerdict(repo_path, None, f"it is named `.svg` but {exc}")
        return FileVerdict(repo_path, "svg")
    for kind, types in (("image", IMAGES), ("video", VIDEOS), ("download", BINARY_DOWNLOADS)):
        if suffix in types:
            found = _content_type(path)
            allowed = RASTER if kind == "image" else types[suffix]
            if found in allowed:
                return FileVerdict(repo_path, kind)
            expected = DESCRIBED[kind].format(suffix[1:].upper())
            found_text = f" ({found.upper()} data)" if found else ""
            return FileVerdict(repo_path, None, f"its name says `{suffix}` but its content is not {expected}"
                                                f"{found_text}")
    if suffix in TEXT_DOWNLOADS:
        return _judge_text(path, repo_path)
    if suffix in ACTIVE:
        return FileVerdict(repo_path, None, f"a browser runs a `{suffix}` file as a page or script, on the portal's "
                                            "origin")
    if suffix == ".css":
        return FileVerdict(repo_path, None, "a style sheet can restyle the portal and send out what its pages show")
    what = f"`{suffix}` files" if suffix else "files without an extension"
    return FileVerdict(repo_path, None, f"{what} are not among the inert kinds an untrusted source may publish")


def _content_type(path: Path) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(8192)
    guess = filetype.guess(head)
    return guess.extension if guess else None


def _judge_text(path: Path, repo_path: str) -> FileVerdict:
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if MARKUP_START.match(head):
        return FileVerdict(repo_path, None, "it starts like an HTML or XML document, which a browser may run "
                                            "as a page")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return FileVerdict(repo_path, None, "it is not UTF-8 text")
    return FileVerdict(repo_path, "download")


def publish_file(root: Path, repo_path: str, target: Path, *, trusted: bool) -> FileVerdict:
    """Write ``repo_path`` of ``root`` to ``target`` if :func:`judge_file` allows it (an SVG sanitized)."""
    verdict = judge_file(root, repo_path, trusted=trusted)
    if not verdict.published:
        return verdict
    target.parent.mkdir(parents=True, exist_ok=True)
    if verdict.kind == "svg":
        target.write_bytes(sanitize_svg((root / repo_path).read_bytes()))
    else:
        shutil.copyfile(root / repo_path, target)
    return verdict
