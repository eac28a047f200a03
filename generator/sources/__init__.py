"""Step 1 of the pipeline: fetch every source from Git into the cache and pin it in the lock file."""

from generator.sources.fetch import CheckedOutSource, VersionTree, fetch_sources
from generator.sources.lock import LockEntry, read_lock, write_lock

__all__ = ["CheckedOutSource", "VersionTree", "LockEntry", "fetch_sources", "read_lock", "write_lock"]
