"""Pruning devportal's cache folders: what no build needs any more is deleted, so a cache kept between builds
(a CI cache) does not grow with every commit, page or spec the portal ever had."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

#: What another build may still be using is younger than this: a temporary entry (its name starts with a dot)
#: it is writing, a checkout it is reading.
IN_PROGRESS_S = 3600
#: What no build used for this long belongs to something no longer built (a source removed from the portal,
#: a site folder built once): its cache folder is deleted.
UNUSED_S = 7 * 24 * 3600


def remove_other_entries(folder: Path, kept: set[str]) -> None:
    """Delete the entries (files or folders) of the cache ``folder`` not named in ``kept``. A temporary entry
    (a name starting with a dot) younger than an hour is left alone: another build is writing it, or a killed
    build left it (removed later). A folder is renamed to a temporary name before it is deleted, so a deletion
    cut short never leaves a partial folder under the name of a complete one."""
    try:
        names = [path for path in folder.iterdir() if path.name not in kept]
    except OSError:
        return
    for path in names:
        try:
            if path.name.startswith(".") and time.time() - path.lstat().st_mtime < IN_PROGRESS_S:
                continue
        except OSError:
            continue
        remove_entry(path)


def remove_entry(path: Path) -> None:
    """Delete the file or folder ``path`` (a folder is first renamed to a temporary name, so a deletion cut
    short never leaves a partial folder under the name of a complete one); one that cannot be deleted is left
    for a later build."""
    try:
        if path.is_dir() and not path.is_symlink():
            doomed = path if path.name.startswith(".") else path.with_name(f".{path.name}.deleted.{os.getpid()}")
            os.rename(path, doomed)
            shutil.rmtree(doomed)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass
