"""Inputs: whatever a producer has — a text or Markdown file, a web page, a URL, a Word file,
an EPUB — read into one :class:`~audiobook.models.Document` of plain text.

The kind is chosen by the source's form (``http(s)://``), then by content (a ZIP that is a
DOCX or an EPUB, bytes that start like HTML), then by extension, so a page saved as ``.txt``
or piped on stdin is still read as a page, and a Word file renamed ``.txt`` is not read as
text. Every reader writes the same Markdown-like text (``#`` headings, a paragraph a line), so
everything after reading — clean, convert, structure — is one path for all of them.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from audiobook.errors import InputError
from audiobook.models import Document
from audiobook.text.read import MAX_BYTES, decode, read_bytes

__all__ = [
    "MAX_INFLATED",
    "from_bytes",
    "is_url",
    "load",
]

_URL = re.compile(r"^https?://", re.I)
#: The most a DOCX or EPUB may unpack to (books with pictures are tens of MB).
MAX_INFLATED = 10 * MAX_BYTES


def is_url(source: str | Path) -> bool:
    """Is ``source`` a web address (``http://`` or ``https://``)?"""
    return isinstance(source, str) and bool(_URL.match(source.strip()))


def load(source: str | Path) -> Document:
    """Read ``source`` (a path, ``-`` for stdin, or an http(s) URL) into a document."""
    if is_url(source):
        from audiobook.inputs.url import fetch

        page = fetch(str(source).strip())
        return from_bytes(page.body, page.url, http_charset=page.charset,
                          content_type=page.content_type, link=page.url)  # fmt: skip
    name = str(source)
    if name != "-" and not Path(source).exists() and re.match(r"^[a-z][a-z0-9+.-]*://", name, re.I):
        raise InputError(f"{name}: only http:// and https:// addresses can be fetched")
    data, name = read_bytes(source, max_bytes=MAX_BYTES)
    return from_bytes(data, name)


def from_bytes(
    data: bytes,
    source: str,
    *,
    http_charset: str | None = None,
    content_type: str | None = None,
    link: str | None = None,
) -> Document:
    """Read raw bytes as the kind of document they are (see the module docstring)."""
    from audiobook.inputs import html

    if len(data) > MAX_BYTES:
        raise InputError(f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it first")
    if not data.strip():
        raise InputError(f"{source}: is empty")
    lower = source.lower().split("?")[0]
    if data.startswith(b"PK\x03\x04"):
        return _from_zip(data, source)
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("application/pdf",) or data.startswith(b"%PDF"):
        raise InputError(f"{source}: PDF is not supported; save the article as text or HTML")
    if (
        kind in ("text/html", "application/xhtml+xml")
        or lower.endswith(html.EXTENSIONS)
        or html.looks_like_html(data)
    ):
        return html.from_html(data, source, http_charset=http_charset, link=link)
    if kind and not (kind.startswith("text/") or kind in ("application/octet-stream",)):
        raise InputError(f"{source}: is {kind}, not an article (HTML or text)")
    document = decode(data, source)
    if link:
        document = Document(document.text, document.encoding, source, link=link)
    return document


def _from_zip(data: bytes, source: str) -> Document:
    """A DOCX or an EPUB (both ZIP containers), told apart by their contents, not names."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            # A small ZIP can inflate to gigabytes (a "zip bomb"): refuse before reading.
            inflated = sum(info.file_size for info in archive.infolist())
            if inflated > MAX_INFLATED:
                raise InputError(f"{source}: unpacks to {inflated // 2**20} MB; too large")
            mimetype = archive.read("mimetype")[:64].strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError) as exc:
        raise InputError(f"{source}: a damaged ZIP file ({exc})") from exc
    if mimetype == b"application/epub+zip" or "META-INF/container.xml" in names:
        from audiobook.inputs.epub import from_epub

        return from_epub(data, source)
    if "word/document.xml" in names:
        from audiobook.inputs.docx import from_docx

        return from_docx(data, source)
    raise InputError(f"{source}: a ZIP file that is neither a Word document nor an EPUB")
