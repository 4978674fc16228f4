"""Fetching an article's page: bounded in time, size and redirects, and honest about failure.

A producer pastes a link; what can go wrong is then the network's or the site's, and must
say so in one line with an exit code a script can act on:

- exit 2 (:class:`~audiobook.errors.InputError`): the address itself is wrong — malformed,
  not http(s), the page is not there or not ours to read (4xx), or too large;
- exit 5 (:class:`~audiobook.errors.FetchError`): the page could not be fetched now — DNS,
  refused connection, TLS, timeout, a server error (5xx), too many redirects; worth a retry.

Only the standard library is used (``urllib``): it follows redirects through our handler,
which counts them, and honours the usual ``*_proxy`` variables. The User-Agent names the tool,
so a site's operator can tell who is reading and why.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from audiobook import __version__
from audiobook.errors import FetchError, InputError
from audiobook.text.read import MAX_BYTES

USER_AGENT = f"audiobook/{__version__} (article-to-podcast; +https://pypi.org/project/audiobook/)"
#: Seconds to connect, and between bytes of the answer.
TIMEOUT_S = 15.0
#: Seconds for the whole fetch: a server that drips a byte a second is a failure too.
DEADLINE_S = 60.0
MAX_REDIRECTS = 5
#: The most we read of a page (an article's page is well under 5 MB with inline scripts).
MAX_PAGE_BYTES = MAX_BYTES
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Page:
    """A fetched page: where it ended up, its bytes, and what its headers said."""

    url: str
    body: bytes
    content_type: str | None
    charset: str | None


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows at most :data:`MAX_REDIRECTS` redirects, and only to http(s)."""

    max_redirections = MAX_REDIRECTS
    max_repeats = 2

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise FetchError(f"{req.full_url}: redirected to a non-web address ({newurl})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def check_url(url: str) -> str:
    """``url`` if it is an http(s) address with a host, else a one-line :class:`InputError`."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url}: not a web address (http:// or https:// and a host)")
    if any(c.isspace() for c in url):
        raise InputError(f"{url}: a web address cannot contain spaces")
    return url


def fetch(url: str, *, max_bytes: int | None = None) -> Page:
    """GET ``url`` within the limits above; the page or a one-line error."""
    check_url(url)
    limit = MAX_PAGE_BYTES if max_bytes is None else max_bytes
    opener = urllib.request.build_opener(_Redirects())
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "identity",
        },
    )
    started = time.monotonic()
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            final = response.geturl()
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise InputError(f"{url}: the page is larger than {_size(limit)}")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() - started > DEADLINE_S:
                    raise FetchError(f"{url}: timed out after {DEADLINE_S:.0f} s")
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise InputError(f"{url}: the page is larger than {_size(limit)}")
                chunks.append(chunk)
            content_type = response.headers.get_content_type() if response.headers else None
            charset = response.headers.get_content_charset() if response.headers else None
    except urllib.error.HTTPError as exc:
        raise _http_error(url, exc) from None
    except urllib.error.URLError as exc:
        raise _network_error(url, exc.reason) from None
    except TimeoutError as exc:
        raise FetchError(f"{url}: timed out after {TIMEOUT_S:.0f} s") from exc
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise FetchError(f"{url}: TLS failed ({_reason(exc)})") from exc
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        raise FetchError(f"{url}: the connection failed ({_reason(exc)})") from exc
    return Page(final, b"".join(chunks), content_type, charset)


def _http_error(url: str, exc: urllib.error.HTTPError) -> InputError | FetchError:
    exc.close()
    if 300 <= exc.code < 400:
        return FetchError(f"{url}: too many redirects (more than {MAX_REDIRECTS}, or a loop)")
    status = f"HTTP {exc.code} {exc.reason}".strip()
    if exc.code >= 500:
        return FetchError(f"{url}: the server failed ({status})")
    return InputError(f"{url}: {status}")


def _network_error(url: str, reason: object) -> FetchError:
    if isinstance(reason, socket.gaierror):
        host = urlsplit(url).hostname
        return FetchError(f"{url}: cannot resolve host {host!r} ({reason.strerror or reason})")
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return FetchError(f"{url}: timed out after {TIMEOUT_S:.0f} s")
    if isinstance(reason, ssl.SSLError | ssl.CertificateError):
        return FetchError(f"{url}: TLS failed ({_reason(reason)})")
    if isinstance(reason, FetchError):
        return reason
    return FetchError(f"{url}: cannot connect ({_reason(reason)})")


def _reason(exc: object) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = getattr(exc, "reason", None) or str(exc)
    return " ".join(str(text).split()) or type(exc).__name__


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
