"""The one check of a public URL a user gives us (``base_url``, ``link``), on every path in.

``build --base-url``, ``feed init``, ``feed set`` and the ``feed.json`` a build or command
loads all call :func:`public_url`, so a URL refused by one is refused by all: it used to be
that ``feed set base_url 'not a url'`` was refused while ``build --base-url 'not a url'``
published ``<enclosure url="not a url/…">`` and saved it.

What passes is an absolute ``http``/``https`` URL written in plain ASCII URI characters: the
value goes verbatim into every enclosure, the feed and the web page, and a podcast app
fetches it. So no spaces, quotes, angle brackets or backslashes (``https://a.b/x"><script>``
is refused outright rather than trusted to every renderer's escaping), no user name or
password (they would be published), no other scheme (``javascript:``, ``file:``, ``ftp:``),
and for ``base_url``, a prefix to which file names are appended, no query or fragment.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from audiobook.errors import ConfigError

#: Keys of the feed settings that hold a public URL.
URL_KEYS = ("base_url", "link")

_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?"
    r"|\[[0-9A-Fa-f:.]+\]"
)
#: RFC 3986 path, query and fragment characters, less the single quote (an attribute
#: delimiter in HTML), with ``%`` only as the start of an escape.
_REST = re.compile(r"(?:[A-Za-z0-9\-._~!$&()*+,;=:@/?#]|%[0-9A-Fa-f]{2})*")


def public_url(key: str, value: str) -> str:
    """``value`` stripped, if it is a URL a listener's app can fetch; else ConfigError (exit 2)
    with one line that says why. Empty stays empty (relative URLs / the generated page)."""
    text = value.strip()
    if not text:
        return ""

    def refuse(why: str) -> ConfigError:
        return ConfigError(f"{key} must be an http(s) URL ({why}), not {value!r}")

    if not text.isascii():
        raise refuse("ASCII only: write the host in punycode and %-escape the path")
    bad = sorted({c for c in text if not c.isprintable() or c in " \"'<>\\^`{|}"})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise refuse(f"it contains {shown}")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as exc:
        raise refuse(str(exc)) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse("like https://example.org/pod")
    if not parts.netloc or not parts.hostname:
        raise refuse("it names no host")
    if "@" in parts.netloc:
        raise refuse("a user name or password would be published")
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.endswith("]") else parts.netloc
    if not _HOST.fullmatch(host):
        raise refuse(f"{host!r} is not a host name")
    rest = text[len(parts.scheme) + 3 + len(parts.netloc) :]
    if not _REST.fullmatch(rest):
        raise refuse("a '%' must start an escape such as %20")
    if key == "base_url" and (parts.query or parts.fragment or "?" in text or "#" in text):
        raise refuse("file names are appended to it, so it cannot carry a query or fragment")
    return text
