"""Credentials never leave the process: the one rule that takes them out of URLs and text.

A repo URL may carry a credential (``https://user:TOKEN@host/x.git``, ``?access_token=...``). Every URL
that is printed (progress lines, diagnostics, git's own error output), stored (``devportal.lock``),
hashed into a cache folder name or published (edit links) goes through :func:`redact_url`; free text
that may quote a URL (git's stderr, a diagnostic) goes through :func:`redact_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Schemes whose user name is a login, not a secret (``ssh://git@github.com/...``): only a password goes.
LOGIN_SCHEMES = {"ssh", "git+ssh", "ssh+git"}
REDACTED = "***"

_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]*[^\s'\"<>`.,:;)\]]")  # no closing punctuation


def _host_port(netloc: str) -> str:
    return netloc.rpartition("@")[2]


def has_credentials(url: str) -> bool:
    """True when ``url`` carries a password, a token as user name, or a query string value."""
    return redact_url(url) != url


def url_credentials(url: str) -> tuple[str, str] | None:
    """(user, password) written into an ``http(s)`` URL, ``None`` when it has none."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return None
    return parts.username or "", parts.password or ""


def redact_url(url: str) -> str:
    """``url`` without its credential: userinfo dropped (only the password for ssh), query values masked.

    A string that is not a ``scheme://`` URL (a local path, ``git@host:owner/repo``) is returned as is.
    """
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"://[^/@]*@", "://", url)
    netloc = parts.netloc
    if "@" in netloc:
        user = (parts.username or "") if parts.scheme.lower() in LOGIN_SCHEMES else ""
        netloc = f"{user}@{_host_port(netloc)}" if user else _host_port(netloc)
    query = parts.query
    if query:
        query = urlencode([(key, REDACTED) for key, _ in parse_qsl(query, keep_blank_values=True)], safe="*") \
            or REDACTED
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL in it redacted and every one of ``secrets`` replaced by ``***``."""
    if "://" in text:
        text = _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
