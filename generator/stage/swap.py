"""Replace a directory with a freshly built one so that a kill at any instant leaves a complete tree.

A new tree is written into a work folder beside the target (``.site.building-<pid>-…``) and swapped in
when it is complete:

* On Linux the two folders are exchanged in one step with ``renameat2(RENAME_EXCHANGE)``; the work folder
  then holds the previous tree and is deleted. There is no instant without ``site/``.
* Elsewhere (or on a file system without ``RENAME_EXCHANGE``) the target is renamed aside
  (``.site.old-<pid>-…``) and the new tree renamed in. A kill between the two renames leaves no target;
  :func:`recover` (run by the next build) renames the complete previous tree back.

Work and old folders carry the pid of the process that made them, so :func:`recover` removes only the
leftovers of processes that are gone.

An incremental build can keep the tree a swap replaced (``keep``, a tree of hard links to the previous
site's files) and :func:`claim` it as its next work folder, which :func:`link_tree` brings up to date
file by file instead of making every folder again. Nothing writes into a kept tree's files: it is only
renamed, linked into and unlinked from, and a build killed while using it only loses it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
from pathlib import Path
from stat import S_IMODE, S_ISREG

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>building|old|staging)-(?:(?P<pid>\d+)-)?[^-]*$")

_active: set[Path] = set()  # work folders this process is using right now


def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl without it
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def exchange_paths(first: Path, second: Path) -> bool:
    """Atomically swap two existing paths (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False when the OS or the file system cannot do it; raises ``OSError`` on any other failure.
    """
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def work_dir(target: Path, kind: str = "building") -> Path:
    """A fresh folder beside ``target`` for building its next version (``.<name>.<kind>-<pid>-…``), with the
    mode any new folder gets (the umask's, as ``mkdir`` makes it): it becomes ``target``, which a web server
    running as another user must be able to read (``tempfile.mkdtemp`` would make it private to this user)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        path = target.parent / f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        _active.add(path)
        return path


def release(work: Path) -> None:
    """Delete a work folder that was not swapped in (a failed build)."""
    _active.discard(work)
    if work.exists():
        shutil.rmtree(work, ignore_errors=True)


def swap_into_place(new: Path, target: Path, *, keep: Path | None = None) -> None:
    """Replace ``target`` with the complete tree ``new``: readers see the old or the new tree, never half,
    and a kill at any instant leaves one of them at ``target`` (after :func:`recover` on the fallback path).

    With ``keep`` the previous tree is not deleted but kept there (when nothing is there yet), for the next
    build to :func:`claim` and bring up to date with :func:`link_tree` instead of making its folders again."""
    _active.discard(new)
    if not target.exists():
        os.replace(new, target)
        return
    if exchange_paths(new, target):
        _keep_or_remove(new, keep)  # now holds the previous tree
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{new.name.rsplit('-', 1)[-1]}")
    if old.exists():
        _remove(old)
    os.replace(target, old)
    os.replace(new, target)
    _keep_or_remove(old, keep)


def claim(kept: Path | None, work: Path) -> bool:
    """Put the tree :func:`swap_into_place` kept at ``kept`` in place of the empty work folder ``work`` (one
    rename: of two builds, one gets it). False when there is none, or it is on another file system."""
    if kept is None:
        return False
    try:
        os.chmod(kept, S_IMODE(os.stat(work).st_mode))  # the site's folder gets a new folder's mode
        os.rename(kept, work)
    except OSError:
        return False
    return True


def _keep_or_remove(previous: Path, keep: Path | None) -> None:
    if keep is not None:
        try:
            keep.parent.mkdir(parents=True, exist_ok=True)
            os.rename(previous, keep)  # fails when a tree is kept there already, or on another file system
            return
        except OSError:
            pass
    _remove(previous)


def _remove(path: Path) -> None:
    """Delete a leftover tree. It is renamed to a ``building`` name first, so that a kill while deleting
    leaves nothing :func:`recover` would mistake for a complete previous tree."""
    if ".old-" in path.name:
        doomed = path.with_name(path.name.replace(".old-", ".building-", 1))
        os.replace(path, doomed)
        path = doomed
    shutil.rmtree(path, ignore_errors=True)


def recover(target: Path) -> None:
    """Undo what a killed run left beside ``target``: restore ``target`` from a complete previous tree when
    a kill came between the two renames, and delete work folders of processes that are gone."""
    parent = target.parent
    if not parent.is_dir():
        return
    stale: list[tuple[str, Path]] = []
    for path in parent.iterdir():
        match = _LEFTOVER.match(path.name)
        if not match or match.group("name") != target.name or not _is_stale(path, match.group("pid")):
            continue
        stale.append((match.group("kind"), path))
    olds = sorted((path for kind, path in stale if kind == "old"), key=lambda p: p.stat().st_mtime)
    if not target.exists() and olds:
        os.replace(olds.pop(), target)
    for _, path in stale:
        if path.is_dir() and not path.is_symlink():
            _remove(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _is_stale(path: Path, pid: str | None) -> bool:
    if pid is None:
        return True  # made by a version that did not record its pid
    if int(pid) == os.getpid():
        return path not in _active
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def link_tree(source: Path, target: Path, *, skip: set[str] = frozenset()) -> None:
    """Make ``target`` hold hard links to every file of ``source`` but those in ``skip`` (posix paths relative
    to ``source`` of files, or of folders left out whole), and nothing else: a copy of a built site that costs
    no bytes, for a build that rewrites only some files. Whatever writes into ``target`` must replace a file,
    never write into it (that would change ``source``).

    ``target`` is an empty folder, or a tree kept from an earlier build (:func:`claim`): what it holds that is
    already a link to the same file stays, anything else goes, and its folders need not be made again (making
    a folder costs the file system about thirty times what linking a file does)."""
    pending = [("", os.fspath(source), os.fspath(target), False)]
    while pending:
        rel, folder, into, made = pending.pop()
        held = {} if made else {entry.name: entry for entry in _scan(into)}
        for entry in _scan(folder):
            path, there = f"{rel}{entry.name}", os.path.join(into, entry.name)
            if path in skip:
                continue
            old = held.pop(entry.name, None)
            if entry.is_dir():
                if entry.is_symlink():  # as os.walk: a link to a folder is not followed
                    if old is not None:
                        _delete(old)
                    continue
                if old is not None and not old.is_dir(follow_symlinks=False):
                    os.unlink(there)
                    old = None
                if old is None:
                    os.mkdir(there)
                pending.append((f"{path}/", entry.path, there, old is None))
            elif old is None or not _same_file(entry, old):
                if old is not None:
                    _delete(old)
                os.link(entry.path, there)
        for old in held.values():
            _delete(old)


def _scan(folder: str) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return list(entries)


def _same_file(entry: os.DirEntry, held: os.DirEntry) -> bool:
    """Whether ``held`` is a hard link to the file ``entry`` is (or links to)."""
    try:
        mine, theirs = entry.stat(), held.stat(follow_symlinks=False)
    except OSError:
        return False
    return S_ISREG(theirs.st_mode) and (mine.st_ino, mine.st_dev) == (theirs.st_ino, theirs.st_dev)


def _delete(entry: os.DirEntry) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path)
    else:
        os.unlink(entry.path)


def keep_unchanged(new: Path, old: Path, *, renewed: frozenset[str] = frozenset()) -> None:
    """Where a file of the tree ``new`` has the same bytes as the file at the same place in ``old``, put the
    old file (a hard link) in its place, so an output that did not change keeps its inode and mtime. A file
    named in ``renewed`` keeps its new mtime all the same: what was made from other files tells by it that it
    is newer than they are."""
    pending = [(os.fspath(new), os.fspath(old))]
    while pending:
        folder, before = pending.pop()
        for entry in _scan(folder):
            previous = os.path.join(before, entry.name)
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, previous))
                continue
            if entry.name in renewed:
                continue
            try:
                previous_stat = os.stat(previous)
                if entry.inode() == previous_stat.st_ino:
                    continue  # a link to the old file already (what a partial build did not write again)
                if entry.stat().st_size != previous_stat.st_size or _read(entry.path) != _read(previous):
                    continue
            except OSError:
                continue
            linked = os.path.join(folder, f".{entry.name}.link-{os.getpid()}")
            os.link(previous, linked)
            os.replace(linked, entry.path)


def _read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()
