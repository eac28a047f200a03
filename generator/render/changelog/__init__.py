"""The API changelog: for each API, what changed from one revision of its spec to the next, breaking
changes first, as a page with RSS and Atom feeds, and a line in the updates archive and on the API's
section for every release with a breaking change.

Revisions come from the Git history of the spec (:func:`history_revisions`) and from the API's versions
(:func:`folder_revision` for a version whose spec is a folder's file); :func:`build_changelog` compares
each with the one before it through :class:`Comparisons`, which caches every comparison by the content
hashes of its two specs, and :func:`write_changelog` writes the page and its feeds.
"""

from generator.render.changelog.build import Comparisons, build_changelog
from generator.render.changelog.history import history_revisions
from generator.render.changelog.model import UNRELEASED, Changelog, Entry, Release, Revision, SpecOnDisk
from generator.render.changelog.page import BreakingRelease, ChangelogPage, render_breaking, write_changelog
from generator.render.changelog.snapshot import folder_revision

__all__ = ["UNRELEASED", "BreakingRelease", "Changelog", "ChangelogPage", "Comparisons", "Entry", "Release",
           "Revision", "SpecOnDisk", "build_changelog", "folder_revision", "history_revisions", "render_breaking",
           "write_changelog"]
