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
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from aiohttp import web

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
)
#: The store's own files: not for listeners (local paths, settings, build records).
PRIVATE = ("episodes.json", "feed.json", ".build.json")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def mime_type(name: str) -> str | None:
    return next((mime for suffix, mime in MIME_TYPES if name.endswith(suffix)), None)


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """404 for hidden and private files before aiohttp looks at the disk."""
    parts = request.path.split("/")
    if any(p.startswith(".") for p in parts if p) or request.path.endswith(PRIVATE):
        raise web.HTTPNotFound()
    return await handler(request)


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    mime = mime_type(request.path if request.path != "/" else "/index.html")
    if mime and response.status in (200, 206, 304):
        response.headers["Content-Type"] = mime
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

    async def index(request: web.Request) -> web.StreamResponse:
        page = folder / "index.html"
        if not page.is_file():
            raise web.HTTPNotFound(text="no index.html here yet; the feed is at /feed.xml")
        return web.FileResponse(page)

    async def preflight(request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                "Access-Control-Allow-Headers": "Range",
                "Access-Control-Max-Age": "86400",
            },
        )

    app = web.Application(middlewares=[_guard])
    app.router.add_get("/", index)
    app.router.add_route("OPTIONS", "/{tail:.*}", preflight)
    app.router.add_static("/", folder, show_index=False, follow_symlinks=False)
    app.on_response_prepare.append(_headers)
    return app


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (Ctrl-C)."""
    web.run_app(
        make_app(root),
        host=host,
        port=port,
        print=lambda _: None,
        access_log=None,
        handle_signals=True,
    )


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
    if "error" in box:
        thread.join()
        raise box["error"]  # type: ignore[misc]
    try:
        yield str(box["url"])
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
