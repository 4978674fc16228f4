"""Serving an output folder so a podcast app (or the web page) can subscribe and seek.

aiohttp — already a dependency for the edge voice — does the HTTP: HEAD, byte ranges (206 with
Content-Range, 416 when unsatisfiable), conditional requests, and refusing paths that leave the
folder or follow symlinks out of it. This module only adds what podcast clients need on top:
exact MIME types for feeds, chapters and transcripts, CORS so web players on other origins can
fetch chapters and transcripts, and hiding the store's private files (locks, staging folders,
``episodes.json`` with local source paths).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

from audiobook.errors import ConfigError
from audiobook.publish.chapters import MIME_TYPE as CHAPTERS_MIME

#: By file name ending, longest first; anything else gets aiohttp's guess.
MIME_TYPES = (
    (".chapters.json", CHAPTERS_MIME),
    ("feed.xml", "application/rss+xml; charset=utf-8"),
    (".xml", "application/xml; charset=utf-8"),
    (".mp3", "audio/mpeg"),
    (".json", "application/json"),
    (".vtt", "text/vtt; charset=utf-8"),
    (".srt", "application/x-subrip; charset=utf-8"),
    (".html", "text/html; charset=utf-8"),
    (".jpg", "image/jpeg"),
    (".png", "image/png"),
    (".zip", "application/zip"),
    (".smil", "application/smil"),
    (".epub", "application/epub+zip"),
    (".m4b", "audio/mp4"),
)
#: The store's own files: not for listeners (local paths, settings, build records).
PRIVATE_NAMES = ("episodes.json", "feed.json")
PRIVATE_SUFFIXES = (".build.json",)


def mime_type(name: str) -> str | None:
    return next((mime for suffix, mime in MIME_TYPES if name.endswith(suffix)), None)


def private(relative: Path) -> bool:
    """Is this file, named by its *resolved* path inside the folder, kept from listeners?

    Hidden files and folders (the lock, staging, temporary files), the store and the feed
    settings (local source paths, settings) and build records. Decided on the file the request
    resolves to, so no spelling of the path (a trailing slash, ``%2f``, ``//``, a query, a
    symlink) reaches one of them.
    """
    parts = relative.parts
    return (
        not parts
        or any(p.startswith(".") for p in parts)
        or parts[-1] in PRIVATE_NAMES
        or parts[-1].endswith(PRIVATE_SUFFIXES)
    )


def resolve(folder: Path, tail: str) -> Path | None:
    """The public file ``tail`` (the decoded request path, without its leading slash) names
    inside ``folder`` (already resolved), or None: outside the folder (by ``..`` or a symlink),
    missing, not a regular file, spelled as a folder (a trailing slash), or private."""
    if not tail or tail.endswith("/") or "\x00" in tail:
        return None
    try:
        path = (folder / tail).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return None if private(path.relative_to(folder)) else path


def _range(request: web.Request, size: int) -> tuple[dict[str, str] | None, bool]:
    """How to answer the request's Range header (RFC 9110 §14.2): ``(headers, unsatisfiable)``
    with the request's headers to serve with (None: as they are). A unit other than bytes is
    ignored (the whole file, 200), and so is a set of several ranges (the whole file is a valid
    answer, and clients asking for several ranges at once accept it); ``bytes=-0`` asks for
    no bytes at all, which no file satisfies (416)."""
    value = request.headers.get("Range")
    if value is None:
        return None, False
    unit, _, spec = value.partition("=")
    spec = spec.replace(" ", "")
    if unit.strip().lower() != "bytes" or "," in spec:
        drop = ("range", "if-range")
        return {k: v for k, v in request.headers.items() if k.lower() not in drop}, False
    suffix = spec.removeprefix("-")
    return None, spec.startswith("-") and suffix.isdigit() and int(suffix) == 0


class _FileResponse(web.FileResponse):
    """A file answered as if the request had ``headers`` (None: its own), so that a Range
    header RFC 9110 says to ignore is ignored rather than refused."""

    def __init__(self, path: Path, headers: dict[str, str] | None) -> None:
        super().__init__(path)
        self._as_if = headers

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        if self._as_if is not None:
            request = request.clone(headers=self._as_if)
        return await super().prepare(request)


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    # Static, public files: any web player may fetch them, including by range (aiohttp's
    # FileResponse sends Accept-Ranges itself).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = (
        "Content-Length, Content-Range, Accept-Ranges"
    )


def make_app(root: Path) -> web.Application:
    """The web application for ``root`` (usable with any aiohttp runner, e.g. in tests)."""
    folder = root.resolve()
    if not folder.is_dir():
        raise ConfigError(f"{root}: no such folder to serve (build an episode into it first)")

    async def send(request: web.Request, path: Path) -> web.StreamResponse:
        size = path.stat().st_size
        headers, unsatisfiable = _range(request, size)
        if unsatisfiable:
            return web.Response(status=416, headers={"Content-Range": f"bytes */{size}"})
        response = _FileResponse(path, headers)
        mime = mime_type(path.name)
        if mime:
            response.headers["Content-Type"] = mime
        return response

    async def index(request: web.Request) -> web.StreamResponse:
        page = folder / "index.html"
        if not page.is_file():
            raise web.HTTPNotFound(text="no index.html here yet; the feed is at /feed.xml")
        return await send(request, page)

    async def static(request: web.Request) -> web.StreamResponse:
        path = resolve(folder, request.match_info["tail"])
        if path is None:
            raise web.HTTPNotFound()
        return await send(request, path)

    async def preflight(request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                "Access-Control-Allow-Headers": "Range",
                "Access-Control-Max-Age": "86400",
            },
        )

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_route("OPTIONS", "/{tail:.*}", preflight)
    app.router.add_get("/{tail:.*}", static)
    app.on_response_prepare.append(_headers)
    return app


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (port 0: one the OS picks)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def serve(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C). ``on_ready`` gets the address really listened on
    (with ``port=0``, the port the OS picked)."""
    app = make_app(root)
    sock = listen(host, port)
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    if on_ready is not None:
        on_ready(f"http://{shown}:{bound[1]}/")
    web.run_app(app, sock=sock, print=lambda _: None, access_log=None, handle_signals=True)


@contextlib.contextmanager
def running(root: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``root`` from a background thread; yields the base URL (for tests and scripts)."""
    app = make_app(root)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    ready = threading.Event()
    box: dict[str, object] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, host, port)
            loop.run_until_complete(site.start())
            address = runner.addresses[0]
            box["url"] = f"http://{address[0]}:{address[1]}"
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            ready.set()
        if "url" in box:
            loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="audiobook-serve", daemon=True)
    thread.start()
    ready.wait()
    error = box.get("error")
    if isinstance(error, BaseException):
        thread.join()
        raise error
    try:
        yield str(box["url"])
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
