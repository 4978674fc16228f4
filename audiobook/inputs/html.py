"""A web page in, the article a reader sees out: headline, byline, sub-headings, paragraphs.

Main-content extraction is trafilatura's (a maintained extractor built and evaluated for
exactly this), on a tree from which we first prune what must never be spoken however the
extractor scores it: scripts, styles, navigation, share bars, comments, related links, image
captions. Its result is written as the Markdown-like text the rest of the front end reads
(``#`` headline, ``##``/``###`` sub-headings, one paragraph a line), so a page goes through the
same clean → convert → structure path as a ``.md`` file.

Everything visible on the page that did not make it into the article is recorded as a
:class:`~audiobook.models.Removal` with rule ``html-extraction`` (zero-width, at the place in
the text where it stood), so ``clean --diff`` and the build record show what extraction
dropped, as they show every cleaning removal.

Charset: a byte-order mark, then the HTTP ``Content-Type`` charset (for fetched pages), then
the page's own ``<meta charset>``/``http-equiv`` declaration, then the same detection plain
text gets. Legacy labels are read as their supersets (GB2312/GBK as GB18030, Big5 as
Big5-HKSCS), as browsers do, since pages declared ``gb2312`` routinely use GBK characters.
"""

from __future__ import annotations

import codecs
import copy
import re
import unicodedata
from collections.abc import Iterator

from lxml import etree
from lxml import html as lxml_html

from audiobook.errors import InputError
from audiobook.models import Document, Removal

RULE = "html-extraction"

#: Extensions read as HTML whatever the bytes look like.
EXTENSIONS = (".html", ".htm", ".xhtml", ".shtml")

_SNIFF = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
#: What browsers actually decode these labels as (WHATWG Encoding), in Python's names.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "chinese": "gb18030", "csgb2312": "gb18030", "iso-ir-58": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "x-x-big5": "big5hkscs", "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs", "cp950": "big5hkscs",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}  # fmt: skip

#: Never content, whatever the extractor thinks: removed from the tree before extraction.
_NEVER_TAGS = (
    "script", "style", "noscript", "template", "nav", "aside", "footer", "form", "button",
    "select", "iframe", "svg", "figcaption", "figure", "object", "embed",
)  # fmt: skip
#: Class or id words of page furniture (share bars, comments, related links, menus, ads).
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|comments?|reply|related|recommend(?:ed)?|"
    r"breadcrumbs?|toolbar|navbar|nav|menu|sidebar|footer|advert(?:isement)?|ads?|"
    r"caption|copyright|subscribe|hot-?news|more-?news)(?:$|[\s_-])",
    re.I,
)
_INVISIBLE_TAGS = {"script", "style", "noscript", "template", "head", "title", "meta", "link"}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", "br", "button", "option", "select",
}  # fmt: skip
#: A bold-only paragraph at most this long, without closing punctuation, is a sub-heading.
_LEAD_IN_MAX = 40
#: A question ("资金怎么出？") is a common lead-in; a full stop or a colon ends a sentence.
_TERMINAL = re.compile(r"[。；;，,：:…」』”\"]$")
#: A short block right after a picture, centred or credited, is its caption.
_CAPTION_MAX = 80
_CREDIT = re.compile(r"(?:摄|攝|摄影|攝影|供图|供圖|图片来源|圖片來源|资料图|資料圖)\s*[)）]?\s*$")
_CENTRED = re.compile(r"text-align\s*:\s*center", re.I)
#: A short page is still an article; trafilatura's default (250 characters) assumes English.
_MIN_EXTRACTED = "20"


def looks_like_html(data: bytes) -> bool:
    """Does ``data`` start like an HTML document (after a BOM, XML declaration, comments)?"""
    head = data[:4096]
    for bom in (codecs.BOM_UTF8,):
        if head.startswith(bom):
            head = head[len(bom) :]
    return bool(_SNIFF.match(head))


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (``<meta charset>`` or http-equiv)."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace").lower() if match else None


def python_codec(label: str | None) -> str | None:
    """A charset label as the Python codec browsers would use for it, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    name = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_page(data: bytes, source: str, http_charset: str | None = None) -> tuple[str, str]:
    """The page's text and the encoding it was read in (see the module's charset order)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), "utf-16"
    for label in (http_charset, declared_charset(data)):
        codec = python_codec(label)
        if codec is None:
            continue
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
        # Declared wrongly (a "gb2312" page saved as UTF-8 is common): UTF-8 if it is that,
        # else the declared codec with the odd bad byte replaced (the clean stage's
        # mojibake rule removes the replacement characters, on the record).
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text = data.decode(codec, "replace")
            if text.count("\ufffd") <= max(3, len(text) // 200):
                return text, codec
    from audiobook.text.read import decode_text  # the plain-text detection (GB18030/Big5/...)

    return decode_text(data, source)


def from_html(
    data: bytes, source: str, *, http_charset: str | None = None, link: str | None = None
) -> Document:
    """Extract the article from an HTML page's bytes (``source`` names it in errors)."""
    text, encoding = decode_page(data, source, http_charset)
    from audiobook.text.read import looks_binary

    if "\x00" in text[:4096] or looks_binary(text):
        raise InputError(f"{source}: looks like a binary file, not a web page")
    tree = _parse(text, source)
    visible = list(_visible_lines(tree))
    if not "".join(visible).strip():
        raise InputError(f"{source}: the page has no text")
    lines = _extract(tree, source)
    if not lines:
        raise InputError(f"{source}: no article text found on the page")
    lines = _with_byline(lines, visible)
    article = "\n".join(lines) + "\n"
    article = unicodedata.normalize("NFC", article)
    removals = _dropped(visible, lines)
    return Document(article, encoding, source, removals=removals, link=link)


def _parse(text: str, source: str) -> lxml_html.HtmlElement:
    # lxml refuses str input with an XML encoding declaration; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text, count=1)
    try:
        tree = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"{source}: not a readable web page ({exc})") from exc
    return tree


def _prune(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A copy of ``tree`` without the elements that are never article text."""
    pruned = copy.deepcopy(tree)
    doomed = []
    for element in pruned.iter():
        if not isinstance(element.tag, str):
            doomed.append(element)  # comments, processing instructions
            continue
        if element.tag in _NEVER_TAGS:
            doomed.append(element)
            continue
        marks = f"{element.get('class', '')} {element.get('id', '')} {element.get('role', '')}"
        furniture = element.tag not in ("html", "body", "article", "main") and bool(
            _FURNITURE.search(marks)
        )
        landmark = element.get("role") in ("navigation", "complementary", "contentinfo", "banner")
        hidden = element.get("hidden") is not None or element.get("aria-hidden") == "true"
        if furniture or landmark or hidden:
            doomed.append(element)
    doomed.extend(_captions(pruned))
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            element.drop_tree()
    for element in list(pruned.iter(*_CONTAINERS)):
        _paragraphs_from_breaks(element)
    return pruned


#: Containers whose loose text older CMSs break into paragraphs with ``<br>``.
_CONTAINERS = ("div", "td", "article", "section", "main", "body", "center", "blockquote")


def _paragraphs_from_breaks(element: lxml_html.HtmlElement) -> None:
    """Wrap each ``<br>``-separated run of loose text in ``element`` in a ``<p>``.

    Pages like ``<h1>…</h1>　　第一段。<br><br>　　第二段。`` carry paragraphs as text
    between tags; extractors score elements, and text that belongs to no element (a tail)
    is easily lost (trafilatura dropped the first paragraph of such a page). As paragraphs
    they are scored and kept like any other."""
    loose = (element.text or "").strip() or any((c.tail or "").strip() for c in element)
    if not loose or not any(
        isinstance(c.tag, str) and (c.tag == "br" or c.tag in _BLOCK_TAGS) for c in element
    ):
        return
    kept: list[lxml_html.HtmlElement] = []
    run = etree.Element("p")
    run.text, element.text = element.text, None

    def close(current: etree._Element) -> None:
        if "".join(current.itertext()).strip():
            kept.append(current)

    for child in list(element):
        element.remove(child)
        tail, child.tail = child.tail, None
        if isinstance(child.tag, str) and (child.tag == "br" or child.tag in _BLOCK_TAGS):
            close(run)
            if child.tag != "br":
                kept.append(child)
            run = etree.Element("p")
            run.text = tail
        else:
            run.append(child)
            child.tail = tail
    close(run)
    for child in kept:
        element.append(child)


def _captions(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Captions set as ordinary paragraphs (many Chinese CMSs have no <figcaption>): short
    text in the picture's own block, or a short block right after a picture-only block that
    is centred or ends with a photo credit ("记者 孙立 摄")."""
    found = []
    for image in tree.iter("img"):
        block = image.getparent()
        while block is not None and block.tag not in ("p", "div", "center", "td", "li"):
            block = block.getparent()
        if block is None or block.tag in ("body", "html"):
            continue
        own = _one_line(block.text_content())
        if own:
            if len(own) <= _CAPTION_MAX and (_CREDIT.search(own) or len(own) <= 30):
                found.append(block)
            continue
        follower = block.getnext()
        if follower is None or not isinstance(follower.tag, str):
            continue
        text = _one_line(follower.text_content())
        centred = bool(_CENTRED.search(follower.get("style", ""))) or follower.tag == "center"
        if text and len(text) <= _CAPTION_MAX and (centred or _CREDIT.search(text)):
            found.append(follower)
    return found


def _extract(tree: lxml_html.HtmlElement, source: str) -> list[str]:
    """The article's lines: ``# headline``, byline, ``##``/``###`` sub-headings, paragraphs."""
    import trafilatura
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", _MIN_EXTRACTED)
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # a signal timer breaks in threads
    try:
        xml = trafilatura.extract(
            _prune(tree),
            output_format="xml",
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            include_formatting=True,
            with_metadata=True,
            config=config,
        )
    except Exception as exc:  # the extractor on a hostile page: one line, never a traceback
        raise InputError(f"{source}: could not extract the article ({exc})") from exc
    if not xml:
        return []
    doc = etree.fromstring(xml.encode("utf-8"))
    main = doc.find("main")
    body = _body_lines(main) if main is not None else []
    title = _one_line(doc.get("title") or "")
    author = _one_line(doc.get("author") or "")
    lines: list[str] = []
    if title:
        lines.append(f"# {title}")
        # The extractor keeps the page's <h1> as the first heading: it is the title already.
        if body and body[0].lstrip("# ") == title:
            body = body[1:]
    if author and not any(author in line for line in body[:3]):
        lines.append(_byline(author))
    return lines + body


_INFO_BYLINE = re.compile(
    r"(?:^|\s)((?:本报|本報)?(?:作者|记者|記者|文)\s*[：:／/]?\s*[\u4e00-\u9fff·]{2,4}"
    r"(?:[、，,][\u4e00-\u9fff·]{2,4})*)(?=\s|$)"
)


def _with_byline(lines: list[str], visible: list[str]) -> list[str]:
    """Add the byline from the page's info line ("2026-12-01 来源：某报 作者：刘洋 字号：大
    中 小") when the extractor found none: the line is furniture, the name in it is not."""
    if not lines or not lines[0].startswith("# "):
        return lines
    if len(lines) > 1 and _INFO_BYLINE.match(lines[1]):
        return lines
    title = lines[0][2:]
    first_body = next((line for line in lines[1:] if not line.startswith("#")), None)
    try:
        start = visible.index(title) + 1
    except ValueError:
        return lines
    for line in visible[start : start + 4]:
        if line == first_body:
            break
        match = _INFO_BYLINE.search(line)
        if match and len(line) <= 120:
            return [lines[0], _one_line(match.group(1)), *lines[1:]]
    return lines


def _byline(author: str) -> str:
    """A byline line the structure stage recognises ("记者 张明" stays; a bare name gets 作者：)."""
    if re.match(r"^(?:本报|本報)?(?:记者|記者|通讯员|通訊員|作者|文|撰稿)", author):
        return author
    return "作者：" + re.sub(r"\s*[;；]\s*", "、", author)


def _body_lines(main: etree._Element) -> list[str]:
    lines: list[str] = []
    depth = 1  # the rank of the last heading: a bold lead-in sits one below it
    for element in main:
        tag = element.tag
        if tag == "head":
            rank = _rank(element.get("rend", ""))
            depth = rank
            text = _one_line(_text(element))
            if text:
                lines.append("#" * rank + " " + text)
        elif tag == "p":
            text = _one_line(_text(element))
            if not text:
                continue
            if _is_lead_in(element, text):
                lines.append("#" * min(depth + 1, 6) + " " + text)
            else:
                lines.extend(part for part in _split_breaks(element) if part)
        elif tag == "list":
            for item in element.iter("item"):
                text = _one_line(_text(item))
                if text:
                    lines.append(text)
        elif tag == "table":
            for row in element.iter("row"):
                cells = [_one_line(_text(cell)) for cell in row.iter("cell")]
                row_text = "，".join(c for c in cells if c)
                if row_text:
                    lines.append(row_text)
        elif tag in ("quote", "code"):
            for part in _text(element).split("\n"):
                if _one_line(part):
                    lines.append(_one_line(part))
        # graphic (images) and anything else carry nothing to say
    return lines


def _rank(rend: str) -> int:
    match = re.fullmatch(r"h([1-6])", rend)
    # The headline is the title (#); the page's headings are ranked below it, as in Markdown.
    return max(2, int(match.group(1))) if match else 2


def _is_lead_in(element: etree._Element, text: str) -> bool:
    """A paragraph that is all bold, short and unpunctuated: a sub-heading set in bold."""
    bold = "".join(_text(hi) for hi in element.iter("hi") if hi.get("rend") in ("#b", "#strong"))
    return (
        bool(bold)
        and _one_line(bold) == text
        and len(text) <= _LEAD_IN_MAX
        and not _TERMINAL.search(text)
    )


def _text(element: etree._Element) -> str:
    parts: list[str] = []
    for node in element.iter():
        if node.tag == "lb":
            parts.append("\n")
        if node is not element and node.tag in ("graphic",):
            continue
        if node.text and node.tag != "lb":
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return "".join(parts)


def _split_breaks(element: etree._Element) -> list[str]:
    return [_one_line(part) for part in _text(element).split("\n")]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- what the page showed, and what extraction left out ---------------------------------------


def _visible_lines(tree: lxml_html.HtmlElement) -> Iterator[str]:
    """The page's visible text as a browser lays it out: a line per block element."""
    current: list[str] = []

    def flush() -> Iterator[str]:
        line = _one_line("".join(current))
        current.clear()
        if line:
            yield line

    def walk(element: etree._Element) -> Iterator[str]:
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is not None and tag.lower() not in _INVISIBLE_TAGS:
            block = tag.lower() in _BLOCK_TAGS
            if block:
                yield from flush()
            if element.text:
                current.append(element.text)
            for child in element:
                yield from walk(child)
            if block:
                yield from flush()
        if element.tail:
            current.append(element.tail)

    body = tree.find("body")
    yield from walk(body if body is not None else tree)
    yield from flush()


def _dropped(visible: list[str], kept: list[str]) -> tuple[Removal, ...]:
    """Each visible line that is not in the article, as a zero-width removal placed where it
    stood in the article's text. Lines are matched in order, so a menu word that recurs in the
    body ("国内") is still recorded as dropped where the menu was."""
    plain = [line.lstrip("#").strip() for line in kept]
    offsets = []
    pos = 0
    for line in kept:
        offsets.append(pos)
        pos += len(line) + 1
    removals: list[Removal] = []
    cursor = 0  # index of the next article line a page line may match
    for line in visible:
        match = _match(line, plain, cursor)
        if match is None:
            at = offsets[cursor] if cursor < len(offsets) else pos
            removals.append(Removal(RULE, at, at, line))
        else:
            cursor = match
    return tuple(removals)


def _match(line: str, plain: list[str], cursor: int) -> int | None:
    """The article line ``line`` was kept as (equal, or within it), searching from ``cursor``;
    the returned index is where the next page line may match from."""
    for i in range(max(0, cursor - 1), len(plain)):
        if plain[i] == line:
            return i + 1
    if len(line) >= 8:
        for i in range(max(0, cursor - 1), len(plain)):
            if line in plain[i]:
                return i  # a part of a longer paragraph: the rest may follow
    if line.startswith(("作者", "记者", "記者")) or any(line == p for p in plain[:3]):
        return cursor
    return None
