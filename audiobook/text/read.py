"""Reading input: bytes from a file or stdin, decoded into a :class:`Document`.

Producers' files are often not UTF-8 (GB18030/GBK from mainland tools, Big5 from Taiwan and
Hong Kong), so we try the encodings a Chinese article is likely to be in, strictly, and only
then ask charset-normalizer. Binary, empty and oversized input is refused with a one-line
:class:`InputError` before any stage sees it.
"""

from __future__ import annotations

import codecs
import math
import re
import sys
import unicodedata
from pathlib import Path

from audiobook.errors import InputError
from audiobook.models import Document

__all__ = [
    "MAX_BYTES",
    "decode",
    "decode_text",
    "looks_binary",
    "read_bytes",
    "read_source",
]

#: Larger than any article or book we mean to speak (a 10-hour book is ~1.5 MB of UTF-8).
MAX_BYTES = 20 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CANDIDATES = ("utf-8", "gb18030", "big5")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def read_source(source: str | Path, *, max_bytes: int = MAX_BYTES) -> Document:
    """Read ``source`` (a path, or ``-`` for stdin) into a decoded document."""
    data, name = read_bytes(source, max_bytes=max_bytes)
    return decode(data, name, max_bytes=max_bytes)


def read_bytes(source: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[bytes, str]:
    """The raw bytes of ``source`` (at most ``max_bytes + 1``, so an oversized input is seen
    as such) and the name errors use; a missing file, a folder or an unreadable file is a
    one-line :class:`InputError`."""
    name = str(source)
    if name == "-":
        return sys.stdin.buffer.read(max_bytes + 1), "<stdin>"
    path = Path(source)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a folder, not a text file")
    try:
        with path.open("rb") as handle:
            return handle.read(max_bytes + 1), name
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from exc


def decode(data: bytes, source: str = "<bytes>", *, max_bytes: int = MAX_BYTES) -> Document:
    """Decode raw bytes, refusing what is not text."""
    if len(data) > max_bytes:
        raise InputError(f"{source}: larger than {max_bytes // (1024 * 1024)} MB; split it first")
    if not data.strip():
        raise InputError(f"{source}: is empty")
    text, encoding = decode_text(data, source)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if looks_binary(text):
        raise InputError(f"{source}: looks like a binary file, not text")
    if source.lower().endswith((".md", ".markdown")):
        from audiobook.text.markdown import to_text

        text = to_text(_FRONT_MATTER.sub("", text, count=1))
    if not text.strip():
        raise InputError(f"{source}: has no text")
    return Document(text=text, encoding=encoding, source=source)


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """The text and its encoding, for plain text whose encoding nobody declared (a BOM, else
    UTF-8, else the likelier of GB18030 and Big5): also what a web page falls back to."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise InputError(f"{source}: starts with a {encoding} mark but is not") from exc
    if b"\x00" in data[:4096]:
        raise InputError(f"{source}: looks like a binary file, not text")
    # Strict attempts in order of likelihood; GB18030 decodes almost anything, so when Big5
    # decodes too the one whose characters are commoner Chinese wins.
    decoded: dict[str, str] = {}
    for encoding in _CANDIDATES:
        try:
            decoded[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if "utf-8" in decoded:
        return decoded["utf-8"], "utf-8"
    if "gb18030" in decoded and "big5" in decoded:
        best = max(("gb18030", "big5"), key=lambda e: _plausibility(decoded[e]))
        return decoded[best], best
    for encoding in ("gb18030", "big5"):
        if encoding in decoded:
            return decoded[encoding], encoding
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a core dependency
        best_match = None
    else:
        best_match = from_bytes(data).best()
    if best_match is None:
        raise InputError(f"{source}: not text in any encoding we know (UTF-8, GB18030, Big5)")
    return str(best_match), best_match.encoding


def _plausibility(text: str) -> float:
    """How much ``text`` reads like Chinese: the mean log frequency of its characters.

    Big5 bytes read as GB18030 (and the other way round) decode without error into rare
    characters, kana and private-use code points; the right decoding is made of common ones.
    Frequencies are those of jieba's generic character model (Simplified), so the text is
    compared in Simplified form; a character the model has never seen, or one that is not
    Chinese, weighs as the rarest. Only asked when both decodings succeed.
    """
    from audiobook.text import wordstore
    from audiobook.text.convert import convert_aligned

    chars = [c for c in text if not c.isascii() and not c.isspace()]
    if not chars:
        return float("-inf")
    model = wordstore.store()
    floor = math.log(0.5 / model.lm_total)
    simplified = convert_aligned("".join(chars), "t2s")
    total = 0.0
    for c in simplified:
        if unicodedata.category(c)[0] == "P":
            # 《》「」，。 are as common as common characters; private-use code points, kana
            # and rare symbols are what a wrong decoding yields.
            total += _PUNCTUATION
            continue
        weight = model.unigram.get(c) if _is_han(c) else None
        total += math.log(weight / model.lm_total) if weight else floor
    return total / len(simplified)


#: The log frequency a punctuation mark counts with: that of a common character (about 1 in 1000).
_PUNCTUATION = math.log(1e-3)


def _is_han(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


def looks_binary(text: str) -> bool:
    """Control characters or U+FFFD in more than a few places: bytes that are not text.

    Private-use characters count only when they are a large part of the text: GBK-era Chinese
    text carries them as symbols from vendors' user-defined areas (a real news article had 3%),
    and cleaning removes them.
    """
    sample = text[:8192]
    if not sample:
        return False
    categories = [unicodedata.category(c) for c in sample if c not in "\n\t\f\v"]
    controls = sum(1 for cat in categories if cat in ("Cc", "Cs"))
    private = sum(1 for cat in categories if cat == "Co")
    return (
        controls / len(sample) > 0.02
        or private / len(sample) > 0.3
        or sample.count("\ufffd") / len(sample) > 0.05
    )
