"""Cleaning: remove the noise scrapers and spam sites leave in an article, and say what went.

Cleaning only ever *deletes*: every rule returns spans of the current text, and each deletion
is recorded as a :class:`~audiobook.models.Removal` whose ``start``/``end`` index the text that
was passed to :func:`clean`. So ``clean --diff``, the build record and the tests all read the
same records, and ``cleaned == input with every removal cut out`` is an invariant the tests
check. Rules run in a fixed order and the whole chain repeats until nothing changes, which is
what makes :func:`clean` idempotent (removing a passage can expose a keyword, and so on).

Rules are named so that a producer can switch one off (``keep``) when it misfires, or switch
on an optional one (``drop``). Rules that judge content (keywords, spliced passages) decide
from evidence in the document itself — a word broken apart, a passage whose vocabulary the
rest of the article never uses — never from a list of one article's fragments.

Rules for what a scraped page wraps around the article (captions, source and editor lines,
share buttons, headline copies, wire codes) are precision first: a line goes only when the
whole line has a known shape, text inside a line only in a very specific shape (``風(fēng)``,
``（新华社记者 张三 摄）``, ``【纠错】``); in doubt the text stays. They are measured to remove
no letter or digit from a few hundred clean news articles in either script.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from audiobook.errors import ConfigError
from audiobook.models import Cleaned, Removal
from audiobook.text import has_letter_or_number, splice
from audiobook.text.analysis import DocStats, shadow

Span = tuple[int, int]

#: Rules on by default, in the order they run. ``caption`` runs before ``emoji``, which would
#: take the ``▲`` that marks a caption; ``caption-copy`` after the furniture above a headline
#: has gone (the first line is never a copy); ``keyword-line`` before ``keyword``, which takes
#: an SEO line as evidence that the page is salted.
DEFAULT_RULES: tuple[str, ...] = (
    "invisible",
    "mojibake",
    "url",
    "pinyin",
    "decoration",
    "caption",
    "emoji",
    "headline-copy",
    "source-line",
    "furniture",
    "footer",
    "caption-copy",
    "wire-code",
    "keyword-line",
    "keyword",
    "splice",
    "separator",
    "blank-lines",
)
#: Rules a user may switch on with ``drop`` (they cost more false positives on some sources).
OPTIONAL_RULES: tuple[str, ...] = ("latin-noise", "end-mark", "suspect")
RULES: tuple[str, ...] = DEFAULT_RULES + OPTIONAL_RULES

_MAX_PASSES = 8

# --- character-level rules -------------------------------------------------------------------

_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u00ad\ufff9-\ufffb"
    "\x00-\x08\x0b-\x1f\x7f-\x9f\ue000-\uf8ff]"
)
_MOJIBAKE = re.compile("\ufffd+|(?:锟斤拷)+|(?:烫烫烫)+烫*|(?:屯屯屯)+屯*|(?:�)+")
_URL = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff\"'<>()]+",
    re.IGNORECASE,
)
_EMOJI = re.compile(
    "(?:[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\u2b50\u2b55\u2934"
    "\u2935\u3030\u303d\u2190-\u21ff\u2300-\u23ff\u25a0-\u25ff\u2b00-\u2bff]"
    "[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]*)+"
)
_LATIN_NOISE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{12,}(?![A-Za-z0-9])")


def _regex_rule(pattern: re.Pattern[str]) -> Callable[[str, _Context], list[Span]]:
    def rule(text: str, ctx: _Context) -> list[Span]:
        return [m.span() for m in pattern.finditer(text)]

    return rule


def _emoji(text: str, ctx: _Context) -> list[Span]:
    # Only symbols that are pictographs; CJK punctuation and letters never match the class above.
    return [m.span() for m in _EMOJI.finditer(text) if not has_letter_or_number(m.group())]


# --- line-level rules ------------------------------------------------------------------------


def _lines(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, line) for each line, ``end`` before its newline."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line), line
        pos += len(line) + 1


def _line_span(text: str, start: int, end: int) -> Span:
    """A whole line including its newline (or the newline before it, on the last line)."""
    if end < len(text):
        return start, end + 1
    if start > 0:
        return start - 1, end
    return start, end


_FOOTER_LINE = re.compile(
    r"^\s*(?:"
    r"[（(]\s*(?:责编|責編|责任编辑|責任編輯|编辑|編輯|校对|校對|审核|審核|来源|來源|实习生|實習生)"
    r"\s*[:：][^）)]{0,40}[）)]"  # （責編：王某、李某）
    r"|《[^》]{1,20}》\s*[（(][^）)]{0,40}版\s*[）)]"  # 《人民日報》（2024年05月20日 04 版）
    r"|(?:责任编辑|責任編輯|责编|責編|原标题|原標題|来源|來源|本文来源|本文來源|文章来源|文章來源"
    r"|分享到|分享|转载请注明|轉載請註明|版权声明|版權聲明|声明|聲明|返回搜狐|点击进入|點擊進入"
    r"|扫一扫|掃一掃|关注我们|關注我們|相关阅读|相關閱讀|相关新闻|相關新聞|推荐阅读|推薦閱讀"
    r"|更多精彩|延伸阅读|延伸閱讀|热门推荐|熱門推薦)\s*[:：].{0,80}"
    r"|(?:返回搜狐，?查看更多|点击(?:阅读|閱讀)原文|點擊閱讀原文|微信扫一扫|微信掃一掃"
    r"|分享到[：:]?|打印本页|列印本頁|关闭窗口|關閉視窗|上一篇.{0,60}|下一篇.{0,60})"
    r")\s*$"
)
_FOOTER_INLINE = re.compile(r"[（(]\s*(?:责编|責編|责任编辑|責任編輯)\s*[:：][^）)\n]{0,40}[）)]")
_NAME = r"[\u4e00-\u9fff·]{2,5}"
_CAPTION_LINE = re.compile(
    r"^.{0,80}?(?:^|\s|[　，,、：:])"
    r"(?:(?:本报|本報|新华社|新華社|中新社)?(?:记者|記者|通讯员|通訊員)\s*)?"
    + _NAME
    + r"(?:\s*[、，,和及]\s*"
    + _NAME
    # "摄影"/"绘" glued to two characters make words ("风景摄影", "手绘"); after a name only
    # across a space: "张三 摄影". "摄"/"供图" may be glued: "张三摄".
    + r")*(?:\s*(?:摄|攝|供图|供圖)|\s+(?:摄影|攝影|绘|繪|制图|製圖))\s*$"
)
_CAPTION_INLINE = re.compile(
    r"[（(]\s*(?:(?:本报|本報|新华社|新華社)?(?:记者|記者|通讯员|通訊員)\s*)?"
    + _NAME
    + r"(?:\s*[、，,和及]\s*"
    + _NAME
    + r")*\s*(?:摄|攝|摄影|攝影|供图|供圖)\s*[）)]"
    + r"|[（(]\s*(?:资料图片?|資料圖片?"
    + r"|图片来源[:：][^）)\n]{0,30}|圖片來源[:：][^）)\n]{0,30})\s*[）)]"
)


def _footer(text: str, ctx: _Context) -> list[Span]:
    spans = [
        _line_span(text, s, e) for s, e, line in _lines(text) if line and _FOOTER_LINE.match(line)
    ]
    spans += [m.span() for m in _FOOTER_INLINE.finditer(text)]
    return spans


# The shapes below are matched on the Simplified shadow (see analysis.shadow), so one
# pattern serves 图为/圖為, 摄/攝, 记者/記者.
_AGENCY = (
    r"(?:新华社|中新社|中通社|中央社|人民视觉|视觉中国|东方ic|cfp|ic\s?photo|getty\s?images?"
    r"|路透社?|美联社|法新社|欧新社|图虫创意|unsplash)"
)
_SH_NAME = r"[\u4e00-\u9fff·]{2,4}"
_SH_NAMES = _SH_NAME + r"(?:\s*[、，,和及]\s*" + _SH_NAME + r")*"
_REPORTER = r"(?:本报|" + _AGENCY + r")?\s*(?:发\s*)?(?:摄影记者|记者|通讯员|特约摄影)"
#: One photo credit: "新华社记者 张三 摄", "张三/摄", "视觉中国供图", "图/李四", "摄影：王五".
_CREDIT = (
    r"(?:(?:" + _REPORTER + r")\s*" + _SH_NAMES + r"\s*[/／]?\s*(?:摄影?|供图|拍摄)"
    r"|" + _SH_NAMES + r"(?:\s*(?:摄|供图)|(?:\s+|\s*[/／]\s*)(?:摄影|拍摄))"
    r"|" + _AGENCY + r"\s*(?:供图|图片|图|照片|发)"
    r"|(?:图片?|照片|摄影)\s*(?:来源)?\s*[:：/／]\s*(?:" + _REPORTER + r")?\s*"
    r"(?:" + _SH_NAMES + r"|" + _AGENCY + r")(?:\s*摄)?"
    r"|(?:图片?|照片)\s*[:：/／]\s*(?:受访者|读者|网友|当事人|民众|家属|警方|校方|主办方|主办单位)提供"
    r")"
)
#: A line that is only credits: "张三 摄 / 视觉中国图片".
_CREDIT_LINE = re.compile(r"^\s*" + _CREDIT + r"(?:\s*[/／|｜、，,\s]\s*" + _CREDIT + r")*\s*$")
#: A caption line that may hold sentences but ends with a reporter's credit, which body text
#: never does: "市民在公园锻炼。新华社记者 张三 摄".
_CREDIT_END = re.compile(
    r"(?:" + _REPORTER + r"\s*" + _SH_NAMES + r"|\s" + _SH_NAMES + r"\s)\s*(?:摄影?)\s*$"
)
#: Lines a caption opens with: "▲…", "图为…", "资料图", "示意图", "图片来源：…".
_CAPTION_CUE = re.compile(r"^\s*(?:[▲△▼↑↓]\s*)?(?:上|下|左|右|组)?图(?:片)?为")
_CAPTION_MARK = re.compile(r"^\s*[▲△▼↑]")
_CAPTION_CUE_WORD = re.compile(r"图为|图片|图/|图／|摄|资料图|截图|翻摄|供图|照片")
_CAPTION_TAG_LINE = re.compile(
    r"^\s*[（(【\[]?\s*(?:(?:资料图片?|资料照片|示意图|网络配图|配图|图片来源|照片来源)"
    r"\s*(?:[:：/／]\s*[^。！？\n]{0,30})?|图片|图|照片|组图|视频)[）)】\]]?\s*$"
)
#: A caption glued to the start of the next paragraph: "图为市民锻炼。新华社记者张三摄今年…".
_GLUED_CAPTION = re.compile(
    r"^\s*(?:[▲△]\s*)?(?:(?:上|下|左|右)?图(?:片)?为|图\s*[:：])[^\n]{2,150}?"
    r"(?:(?:" + _REPORTER + r")\s*" + _SH_NAMES + r"?|[。！]\s*" + _SH_NAMES + r"\s+)\s*摄影?"
)
_CAPTION_INLINE_SH = re.compile(
    r"[（(]\s*(?:" + _CREDIT + r"(?:\s*[/／|｜、，,\s]\s*" + _CREDIT + r")*"
    r"|" + _AGENCY + r"\s*发(?:\s*" + _SH_NAMES + r"\s*摄)?"
    r"|翻摄(?:自)?[^（）()\n。]{0,12}|(?:图|图片|照片)(?:为|是)?(?:读者|民众|网友|当事人|受访者)提供)"
    r"\s*[）)]"
)
_PICTURE_TAG = re.compile(
    r"[ \t\u3000]*[（(](?:图|组图|附图|多图|图文|视频|高清)[）)](?=[ \t\u3000]*$)", re.M
)
_MAX_CAPTION = 150


def _caption(text: str, ctx: _Context) -> list[Span]:
    """Photo captions and credits, in the shapes pages print them.

    Each shape carries its own evidence: a credit (``张三 摄``, ``视觉中国供图``), a caption's
    opening (``图为``, ``▲`` with a credit word), a tag (``资料图``), or a copy of a body
    sentence standing alone as a line. A line that merely mentions photographs stays.
    """
    sh = shadow(text)
    spans: list[Span] = []
    for s, e, line in _lines(text):
        stripped = line.strip()
        if not stripped:
            continue
        low = sh[s:e]
        # A caption is a short line with no sentence punctuation before its credit.
        if (
            len(stripped) <= 80
            and not re.search(r"[。！？!?；;]", stripped)
            and _CAPTION_LINE.match(stripped)
        ):
            spans.append(_line_span(text, s, e))
            continue
        short = len(stripped) <= _MAX_CAPTION and len(_SENTENCE_END.findall(stripped)) <= 3
        glued = _GLUED_CAPTION.match(low)
        if glued and len(low) - glued.end() >= 10 and not _CREDIT_END.search(low):
            # Keep the paragraph the caption was glued to.
            spans.append((s, s + glued.end()))
        elif short and (
            _CREDIT_LINE.match(low)
            or _CREDIT_END.search(low)
            or _CAPTION_CUE.match(low)
            or _CAPTION_TAG_LINE.match(low)
            or (_CAPTION_MARK.match(low) and _CAPTION_CUE_WORD.search(low))
            or (_CAPTION_MARK.match(low) and len(stripped) <= 60 and _isolated_mark(sh, s, e))
        ):
            spans.append(_line_span(text, s, e))
    spans += [m.span() for m in _CAPTION_INLINE.finditer(text)]
    spans += [m.span() for m in _CAPTION_INLINE_SH.finditer(sh)]
    # "雪后初晴 古镇游人如织（图）": a headline's note that the page has pictures.
    for s, e, _ in _lines(text):
        tag = _PICTURE_TAG.search(sh, s, e)
        if tag and not _SENTENCE_END.search(sh, s, tag.start()):
            spans.append(tag.span())
    return spans


def _isolated_mark(sh: str, start: int, end: int) -> bool:
    """A ``▲`` line with no ``▲`` line beside it: a caption, not an item of a ``▲`` list."""
    prev = sh[:start].rstrip("\n").rsplit("\n", 1)[-1] if start > 0 else ""
    nxt = sh[end:].lstrip("\n").split("\n", 1)[0]
    return not _CAPTION_MARK.match(prev) and not _CAPTION_MARK.match(nxt)


def _norm_line(sh: str) -> str:
    """A line's words only (no spaces or punctuation), for comparing copies."""
    return "".join(c for c in sh if c.isalnum())


def _caption_copy(text: str, ctx: _Context) -> list[Span]:
    """A short line that repeats, word for word, the first sentence of another paragraph.

    Pages print a photo's caption (or the page's description) as a line of its own, and it is
    often the story's first sentence; the copy is the line that is *only* that sentence.
    Words in brackets (a byline) are left out of the comparison. The first line is never a
    copy unless it ends like a sentence (a headline does not), so this runs after the page's
    furniture above the headline has gone.
    """
    sh = shadow(text)
    lines = [(s, e, sh[s:e]) for s, e, _ in _lines(text) if sh[s:e].strip()]
    firsts: dict[str, int] = {}
    for idx, (_, _, line) in enumerate(lines):
        m = re.match(r"\s*([^。！？!?]{8,}?)[。！？!?]", line)
        if m and len(_norm_line(line)) > len(_norm_line(m.group(1))) + 4:
            firsts.setdefault(_copy_key(m.group(1)), idx)
    spans: list[Span] = []
    for idx, (s, e, line) in enumerate(lines):
        if idx == 0 and not re.search(r"[。！？!?]\s*$", line):
            continue
        key = _copy_key(line)
        if len(key) >= 8 and len(_SENTENCE_END.findall(line.strip())) <= 1:
            other = firsts.get(key)
            if other is not None and other != idx:
                spans.append(_line_span(text, s, e))
    return spans


def _copy_key(sentence: str) -> str:
    return _norm_line(re.sub(r"[（(【〔][^）)】〕\n]{0,30}[）)】〕]", "", sentence))


_SEPARATOR_LINE = re.compile(r"^[\s\-—_=*~·•#＊－＝～]{3,}$")


def _separator(text: str, ctx: _Context) -> list[Span]:
    # Lines of rules/asterisks; a Markdown "---" is also just a visual break for a listener.
    return [
        _line_span(text, s, e)
        for s, e, line in _lines(text)
        if _SEPARATOR_LINE.match(line) and not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", line)
    ]


#: Symbols pages draw rules and frames with. Not ``×``/``○`` runs inside a line, which stand in
#: for withheld names and numbers ("×××表示"), nor ``……``.
_DECOR_CHARS = "*＊=＝~～☆★◆◇○●□■※♦✦✧❖◎◢◣◤◥♥♡#＃+＋_＿\\-－—·•"
_DECOR_LINE = re.compile(f"^[\\s{_DECOR_CHARS}]+$")
_DECOR_RUN = "(?:[*＊]{3,}|[=＝]{3,}|[~～]{3,}|[☆★]{2,}|[◆◇]{2,}|[※]{2,}|[#＃]{3,}|[♦✦✧❖]{2,})"
_DECOR_EDGE = re.compile(f"^\\s*{_DECOR_RUN}[ \t\u3000]*|[ \t\u3000]*{_DECOR_RUN}\\s*$")
_SENTENCE_END = re.compile(r"[。！？!?；;…]")


def _decoration(text: str, ctx: _Context) -> list[Span]:
    """``******``, ``====``, ``☆☆☆``: a line of frame symbols, or a run of them framing a title.

    Inside a line only runs at its very start or end go, and only on a line without sentence
    punctuation (a title, a label): ``他骂了一句****。`` keeps its censored word.
    """
    spans: list[Span] = []
    for s, e, line in _lines(text):
        if not line.strip():
            continue
        if _DECOR_LINE.match(line) and len(line.strip()) >= 3:
            spans.append(_line_span(text, s, e))
        elif not _SENTENCE_END.search(line):
            for m in _DECOR_EDGE.finditer(line):
                if m.start() == 0 and _MD_HEADING.match(line):
                    continue  # "### 停车问题": a Markdown heading's marks, not a frame
                if line[: m.start()].strip() or line[m.end() :].strip():
                    spans.append((s + m.start(), s + m.end()))
    return spans


_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S")


# --- page chrome: headline copies, source lines, furniture, wire codes -----------------------

#: Words a site name ends with, and portals: "标题_新浪新闻", "標題 | 蘋果日報".
_SITE = (
    r"(?:[\u4e00-\u9fffa-z0-9·]{0,8}"
    r"(?:新闻网|新闻|网|日报|晚报|早报|时报|周刊|在线|频道|资讯|客户端|电视台|网站|通讯社|报|新闻中心)"
    r"|(?:新浪|搜狐|网易|腾讯|凤凰|澎湃|yahoo|msn|line today)[\u4e00-\u9fffa-z]{0,6})"
)
_TITLE_SEP = r"(?:\s*[_＿|｜]\s*|\s+[-－—]\s+|(?<=\S)[-－](?=\S))"
#: The site, then maybe its channel ("| 示例日報 | 生活", "_新闻中心_新浪网").
_TITLE_SUFFIX = re.compile(
    _TITLE_SEP + _SITE + "(?:" + _TITLE_SEP + "(?:" + _SITE + r"|[\u4e00-\u9fffa-z]{1,6}))*\s*$"
)
_TOP_LINES = 10


def _headline_copy(text: str, ctx: _Context) -> list[Span]:
    """Copies of the headline near the top: the page title with its site name
    (``标题_新浪新闻``) and the same headline line printed again.

    Only the first lines are looked at, and a copy must repeat a line word for word; of the
    copies the first stays. A page title whose headline is printed nowhere else keeps the
    headline and loses only the site name.
    """
    sh = shadow(text)
    seen: set[str] = set()
    spans: list[Span] = []
    top = [(s, e) for s, e, line in _lines(text) if line.strip()][:_TOP_LINES]
    for s, e in top:
        line = sh[s:e]
        suffix = None
        if not _SENTENCE_END.search(line) and len(line.strip()) <= 100:
            suffix = _TITLE_SUFFIX.search(line)
        head = line[: suffix.start()] if suffix else line
        key = _norm_line(head)
        if suffix and len(key) < 6:
            suffix = None
            key = _norm_line(line)
        headline_like = not _SENTENCE_END.search(line) and len(line.strip()) <= 60
        if len(key) >= 5 and key in seen and headline_like:
            spans.append(_line_span(text, s, e))
        elif suffix:
            spans.append((s + suffix.start(), s + suffix.end()))
        seen.add(key)
    return spans


_STRONG_LABEL = (
    r"(?:来源|出处|稿源|发布时间|发表时间|发布日期|更新时间|点击|点击数|点击量|浏览|浏览次数"
    r"|浏览量|阅读|阅读数|阅读量|人气|访问量)"
)
_WEAK_LABEL = r"(?:时间|日期|编辑|责任编辑|责编|发布者|发布人|供稿|审核|校对)"
_AUTHOR_LABEL = r"(?:作者|记者|文)"
_LABEL_TOKEN = re.compile(
    rf"^(?:(?P<strong>{_STRONG_LABEL})|(?P<weak>{_WEAK_LABEL})|(?P<author>{_AUTHOR_LABEL}))"
    r"\s*[:：]\s*(?P<value>.*)$"
)
_DATE = r"\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日)"
_TIME = r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
_DATE_TOKEN = re.compile(rf"^{_DATE}(?:{_TIME})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_TIME_TOKEN = re.compile(rf"^{_TIME}$")
_SITE_TOKEN = re.compile(rf"^{_SITE}$")
_FIELD_SEP = re.compile(r"[^\s|｜]+")


_EDITOR_LINE = re.compile(
    r"^\s*(?:(?:编辑|责任编辑|责编|编审|审核|审校|校对|监制|值班编辑|实习编辑|美编|终审|初审|复审)"
    r"\s*[:：]\s*[\u4e00-\u9fff·]{2,4}(?:[\s、，,]+[\u4e00-\u9fff·]{2,4}){0,2}\s*)+$"
)


def _source_line(text: str, ctx: _Context) -> list[Span]:
    """The page's own source/date/editor line: ``2018-03-02 05:45 来源:新华网``,
    ``发布时间：…``, ``日期：…　点击：…``, ``编辑：宋雨``.

    The whole line must be such fields (dates, times, ``label：value``, a site name), with a
    page's label (来源, 点击…) or a date with a time or site, so ``时间：上午9点 地点：广场``
    in an event notice stays. An author field (``作者：张三``) is the byline and stays.
    """
    sh = shadow(text)
    spans: list[Span] = []
    for s, e, _ in _lines(text):
        line = sh[s:e]
        if not line.strip() or len(line) > 120 or _SENTENCE_END.search(line):
            continue
        if _EDITOR_LINE.match(line):
            # "编辑：宋雨", "编辑：张三 审核：李四": the page's editors, not the author.
            spans.append(_line_span(text, s, e))
            continue
        fields = _page_fields(line)
        if fields is None:
            continue
        kinds, author, count = fields
        dated = "date" in kinds or "datetime" in kinds
        if "name" in kinds and not ("datetime" in kinds or {"date", "time"} <= set(kinds)):
            continue  # an unknown word is a source only beside a date and a time
        page_line = (
            "strong" in kinds
            or "datetime" in kinds
            or ("date" in kinds and ("time" in kinds or "site" in kinds))
            or (kinds.count("weak") + kinds.count("author") >= 2 and (dated or "weak" in kinds))
            or (count == 1 and _ISO_DATE.match(line.strip()) is not None)
        )
        if not page_line:
            continue
        if author is None:
            spans.append(_line_span(text, s, e))
        else:
            # Keep "作者：张三" as a line of its own: it names the author.
            spans += [(s, s + author[0]), (s + author[1], e)]
    return spans


def _page_fields(line: str) -> tuple[list[str], Span | None, int] | None:
    """Each space-separated field of ``line`` classified (``strong``/``weak``/``author`` label,
    its ``value``, ``date``, ``datetime``, ``time``, ``site``), the author field's span, and
    the number of fields; None when any field is something else (then it is not a page line).
    """
    kinds: list[str] = []
    author: Span | None = None
    expect_value = None
    tokens = [(m.start(), m.end(), m.group()) for m in _FIELD_SEP.finditer(line)]
    for ts, te, tok in tokens:
        if expect_value is not None:
            # "来源： 新华网": the value after a label that stands alone.
            if expect_value == "author":
                author = (author[0] if author else ts, te)
            kinds.append("value")
            expect_value = None
            continue
        label = _LABEL_TOKEN.match(tok)
        if label:
            kind = "strong" if label["strong"] else "weak" if label["weak"] else "author"
            kinds.append(kind)
            if kind == "author":
                author = (ts, te)
            if not label["value"]:
                expect_value = kind
        elif _DATE_TOKEN.match(tok):
            kinds.append("datetime" if re.search(_TIME + "$", tok) else "date")
        elif _TIME_TOKEN.match(tok):
            kinds.append("time")
        elif _SITE_TOKEN.match(tok):
            kinds.append("site")
        elif len(tok) <= 12 and "name" not in kinds and not re.search(r"[^\w·]", tok):
            kinds.append("name")  # "ETtoday新聞雲": a source the site list does not know
        else:
            return None
    return (kinds, author, len(tokens)) if kinds else None


#: Page controls: a line made only of these (with at least one that is never prose on its own
#: line: 分享到, 打印, 字号…) is furniture. Matched on the shadow.
_FURNITURE_ANCHOR = (
    r"分享到|分享至|打印|打印本页|打印此文|列印|关闭|关闭窗口|关闭本页|纠错|我要纠错|字号|字体"
    r"|放大图片|点击放大|点击图片放大|点击查看大图|返回顶部|回到顶部|返回首页|加入收藏|收藏本文"
    r"|复制链接|复制网址|设为首页|举报|推荐给朋友|发表评论|查看评论|我要评论|手机看新闻"
    r"|展开全文|阅读全文|查看原文|阅读原文|我来说两句|广告|推广|我要反馈|保存网页|我要分享"
    r"|分享此文章|分享本文|网友评论|热门评论"
    r"|打印本文|关闭本页|收藏本页|复制本文链接|点我下载app|下载app"
)
_FURNITURE_WORD = (
    _FURNITURE_ANCHOR + r"|大|中|小|默认|微信|微博|新浪微博|腾讯微博|qq空间|qq|朋友圈|facebook"
    r"|twitter|line|whatsapp|telegram|instagram|youtube|email|电邮|收藏|评论|分享|打印|推荐|顶|踩"
    r"|更多|登录|注册|退出"
)
_FURNITURE_LINE = re.compile(
    rf"^[\s【】\[\]「」『』<>《》|｜/／:：·•]*(?:{_FURNITURE_WORD})"
    rf"(?:[\s【】\[\]「」『』<>《》|｜/／:：·•,，、]*(?:{_FURNITURE_WORD}))*[\s【】\[\]|｜]*$"
)
_FURNITURE_ANCHOR_RE = re.compile(_FURNITURE_ANCHOR)
_CLICK_LINE = re.compile(
    r"^\s*[【\[]?\s*(?:点击|点此|点这里)(?:查看|进入|阅读|观看|收听|下载|播放|浏览|参与|了解)"
    r"[^。！？\n]{0,30}$"
)
_SCAN_LINE = re.compile(
    r"^\s*(?:扫码|扫描(?:下方|上方)?二维码|扫一扫|长按(?:识别)?二维码|微信扫码)"
    r"[^。！？\n]{0,30}(?:关注|下载|订阅|进群|加入|阅读|观看|收听|查看|获取|领取|分享|更多|客户端)"
    r"[^。！？\n]{0,20}$"
)
_BREADCRUMB = re.compile(
    r"^\s*(?:(?:您的|你的|当前|您现在的|现在的)?位置\s*[:：]\s*)?"
    r"(?:首页|主页|网站首页|新闻首页|home)\s*(?:[>＞›»→]\s*[^\s>＞›»→。！？，]{1,12}\s*){1,6}$"
)
_INLINE_FURNITURE = re.compile(
    r"[【\[]\s*(?:纠错|我要纠错|打印|关闭|关闭窗口|字号\s*[:：]?\s*大\s*中\s*小)\s*[】\]]"
    r"|[【\[]\s*(?:责任编辑|责编|编辑)\s*[:：][^】\]\n]{1,20}[】\]]"
)
#: Notices pages append: "免责声明：…", "转载请注明出处", "图片来源于网络，侵删", "标签：…",
#: "已有23人参与", "更多精彩内容请关注…".
_NOTICE_LINE = re.compile(
    r"^\s*[【\[（(]?\s*(?:"
    r"(?:免责声明|版权声明)\s*[】\]]?\s*[:：].*"
    r"|(?:转载请注明(?:出处|来源)|未经(?:授权|许可)[，,]?\s*(?:禁止|不得)转载|版权所有[，,]?\s*"
    r"(?:未经(?:授权|许可)[，,]?\s*)?(?:禁止|不得)转载)[^\n]{0,40}"
    r"|(?:部分)?图片(?:来源|来自)于?网络[^\n]{0,30}"
    r"|(?:(?:文章|本文)?(?:标签|tags?)|(?:文章|本文)(?:关键词|关键字))\s*[:：][^。！？\n]{0,60}"
    r"|(?:已有|共有)\s*\d+\s*(?:人参与|条评论|人评论|人收藏|人点赞)[^。！？\n]{0,10}"
    r"|\d+\s*(?:条评论|人评论|人点赞)"
    r"|更多(?:精彩|资讯|新闻|内容)[^。\n]{0,20}(?:关注|下载|登录|访问|请上|请到|尽在)[^。\n]{0,30}"
    r"|(?:打开|下载)\s*app[^。\n]{0,20}"
    r"|看更多[^。！？\n]{0,20}(?:报导|报道|新闻|文章)"
    r"|本文(?:为|系)[^。\n]{0,20}(?:原创|独家)[^\n]{0,40}"
    r"|本文(?:来自|转载自|转自|来源于|摘自)[^\n]{0,40}"
    r"|点击(?:上方|下方)?(?:蓝字|名片)?\s*关注[^\n]{0,20}"
    r"|原文链接|网页链接|[（(]\s*原题(?:为|：|:)\s*《[^》\n]{1,40}》\s*[）)]"
    r"|(?:按此|点此|点击)(?:订阅|下载|收听|观看)[^。\n]{0,20}"
    r"|(?:like|追踪|关注)\s*(?:我们|本台|本报)的?\s*(?:facebook|ig|instagram|youtube|微信|微博)"
    r"[^。\n]{0,10}"
    r")\s*$",
    re.IGNORECASE,
)
_RELATED_LABEL = re.compile(
    r"^\s*[【\[]?\s*(?:相关新闻|相关阅读|相关报道|相关链接|相关文章|延伸阅读|推荐阅读|热点推荐"
    r"|猜你喜欢|更多新闻|更多阅读|热门文章|往期回顾|精彩推荐)\s*[】\]]?\s*[:：]?\s*$"
    # A link line that opens a list of links: "►独居长者怎么帮？ 点我看更多".
    r"|^[^。\n]{0,30}(?:点我看更多|点此看更多|点击看更多|看更多>+|查看更多>+)\s*$"
)


def _is_list_headline(line: str) -> bool:
    """A line of a related-articles list: a headline (no sentence end), maybe bulleted/dated."""
    stripped = line.strip()
    return 0 < len(stripped) <= 45 and not re.search(r"[。！？!?；;]$", stripped)


def _furniture(text: str, ctx: _Context) -> list[Span]:
    """Page furniture: share/print/font-size controls, breadcrumbs, ``点击查看…``, ``扫码关注…``,
    ``【纠错】``, and a related-articles label with the headlines listed under it.

    Each line must be furniture as a whole; inline only bracketed controls (``【纠错】``) go.
    """
    sh = shadow(text)
    spans: list[Span] = []
    lines = list(_lines(text))
    k = 0
    while k < len(lines):
        s, e, _ = lines[k]
        line = sh[s:e]
        if not line.strip():
            k += 1
            continue
        if (
            (
                _FURNITURE_LINE.match(line)
                # Two or more controls side by side ("登录 | 注册") need no anchor.
                and (
                    _FURNITURE_ANCHOR_RE.search(line) or len(_KEYWORD_SEP.split(line.strip())) >= 2
                )
                and len(line.strip()) <= 40
            )
            or _CLICK_LINE.match(line)
            or _SCAN_LINE.match(line)
            or _BREADCRUMB.match(line)
            or (len(line) <= 300 and _NOTICE_LINE.match(line))
        ):
            spans.append(_line_span(text, s, e))
        elif _RELATED_LABEL.match(line):
            spans.append(_line_span(text, s, e))
            # The headlines under the label, up to a blank line or a line of prose.
            j = k + 1
            while j < len(lines) and _is_list_headline(sh[lines[j][0] : lines[j][1]]):
                spans.append(_line_span(text, lines[j][0], lines[j][1]))
                j += 1
            k = j
            continue
        k += 1
    spans += [m.span() for m in _INLINE_FURNITURE.finditer(sh)]
    return spans


#: Not ``（完）``: the clean news corpus the rules are measured on keeps it as the story's
#: spoken "end", and a listener loses nothing by hearing it (the optional ``end-mark`` rule
#: removes it).
_WIRE_CODE = (
    r"(?:[（(]\s*(?:编辑|责编|责任编辑|编审|审校|校对|编译)\s*[:：/／ \u3000]\s*[^（）()\n]{1,30}"
    r"[）)][ \t]*\d{0,8}"
    r"|[（(]\s*(?:本文|稿件|文章)?来源\s*[:：][^（）()\n]{1,30}[）)]"
    r"|[（(]\s*(?:中央社|新华社|中新社|中通社|路透社?|法新社|美联社|共同社|韩联社)\s*[）)]"
    r"|[（(]\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*[）)])"
)
_WIRE_END = re.compile(rf"(?:[ \t\u3000]*{_WIRE_CODE})+(?=\s*$)")


def _wire_code(text: str, ctx: _Context) -> list[Span]:
    """Wire services' end codes: ``（编辑：张三）1120505``, ``（编辑 李四）``, ``（来源：中新网）``,
    ``（中央社）``, ``（2023-05-01）`` — only at the very end of the text, where nothing can
    follow them."""
    m = _WIRE_END.search(shadow(text))
    return [m.span()] if m else []


#: Words of gambling sites that news uses too (so they are not keywords), but a line of three
#: or more words that each hold one is an SEO line: "澳门葡京 线上赌场 真人视讯 彩票平台".
_GAMBLING_STEM = re.compile(
    r"赌场|博彩|彩票|投注|葡京|娱乐城|娱乐场|百家乐|老虎机|六合彩|彩金|赌球|棋牌|视讯|威尼斯人|太阳城"
)
_END_MARK = re.compile(
    r"(?:[ \t\u3000]*(?:[（(【\[]\s*完\s*[）)】\]]|[-—－]\s*完\s*[-—－]))+(?=\s*$)"
)


def _end_mark(text: str, ctx: _Context) -> list[Span]:
    """A wire story's ``（完）``/``【完】``/``-完-`` at the very end. Optional (``--drop
    end-mark``): news sites print it as part of the story, and hearing "完" loses nothing."""
    m = _END_MARK.search(text)
    return [m.span()] if m else []


_KEYWORD_SEP = re.compile(r"[\s,，、|｜/／;；]+")


def _keyword_line(text: str, ctx: _Context) -> list[Span]:
    """An SEO line: nothing but spam keywords, separated by spaces, commas or ``|``
    (``百家乐 时时彩 真人娱乐``). At least two of its words must be listed keywords and at most
    a third may be other short names (brands the list does not know); or every one of three or
    more words holds a gambling word, one of them a listed keyword (four or more need none)."""
    if ctx.keyword_pattern is None:
        return []
    sh = shadow(text)
    spans: list[Span] = []
    for s, e, _ in _lines(text):
        line = sh[s:e].strip()
        if not line or _SENTENCE_END.search(line):
            continue
        words = [w for w in _KEYWORD_SEP.split(line) if w]
        if len(words) < 2 or any(len(w) > 12 for w in words):
            continue
        listed = sum(1 for w in words if ctx.keyword_pattern.search(w))
        stems = sum(1 for w in words if ctx.keyword_pattern.search(w) or _GAMBLING_STEM.search(w))
        if (listed >= 2 and 3 * (len(words) - listed) <= len(words)) or (
            len(words) >= 3 and stems == len(words) and (listed >= 1 or len(words) >= 4)
        ):
            spans.append(_line_span(text, s, e))
    # A page carrying an SEO line is being salted: the keyword rule takes that as evidence.
    ctx.keyword_lines += len(spans)
    return spans


def _blank_lines(text: str, ctx: _Context) -> list[Span]:
    """Trailing spaces, blank lines at either end, and runs of more than one blank line.

    A single blank line is kept: in Markdown and many plain-text files it is what separates
    paragraphs.
    """
    spans: list[Span] = []
    for m in re.finditer(r"[ \t\u3000\u00a0]+(?=\n|$)", text):
        spans.append(m.span())
    lead = re.match(r"\s+", text)
    if lead:
        spans.append(lead.span())
    tail = re.search(r"\s+$", text)
    if tail and tail.start() > 0:
        # One final newline is how text files end; more is a tail of blank lines.
        end = tail.end() - 1 if text.endswith("\n") else tail.end()
        if end > tail.start():
            spans.append((tail.start(), end))
    for m in re.finditer(r"\n[ \t\u3000\u00a0]*\n(?:[ \t\u3000\u00a0]*\n)+", text):
        # Keep "\n\n", delete the rest of the run.
        spans.append((m.start() + 2, m.end()))
    for m in re.finditer(r"\n[ \t\u3000\u00a0]+\n", text):
        spans.append((m.start() + 1, m.end() - 1))
    return spans


# --- pinyin glosses ----------------------------------------------------------------------------

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
#: Han characters, then a parenthesised run of Latin letters (toned or with tone digits).
_PINYIN_GLOSS = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff]{1,6})(?P<gloss>\s?[（(]\s*"
    r"(?P<py>[a-zA-Z" + _TONE_VOWELS + r"][a-zA-Z" + _TONE_VOWELS + r"1-5'’·\- ]{0,40})"
    r"\s*[）)])"
)


#: An article about pronunciation (it talks of readings, or writes toned pinyin outside any
#: gloss: "有两个读音：xíng 和 háng") needs its glosses; the pinyin rule leaves it alone.
_ABOUT_READINGS = re.compile(
    "读音|讀音|拼音|读作|讀作|念作|唸作|注音|发音|發音|[" + _TONE_VOWELS.replace("ü", "") + "]"
)


def _toneless(syllables: str) -> str:
    """``fēng``/``feng1``/``lǜ``/``lv`` -> ``feng``/``lu``: the form both sides compare in."""
    decomposed = unicodedata.normalize("NFD", syllables.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z]", "", bare).replace("v", "u")


def _reads_as(han: str, gloss: str) -> bool:
    """Is ``gloss`` one reading per character of ``han``, in order (pypinyin's readings)?"""
    from pypinyin import Style, pinyin

    readings = [
        {_toneless(r) for r in options}
        # pypinyin's stub types ``errors`` as returning a str; its code also takes the list of
        # readings given here, which keeps a character without one in place (a str would not).
        for options in pinyin(
            han,
            style=Style.NORMAL,
            heteronym=True,
            errors=lambda c: [[""]],  # type: ignore[arg-type,return-value]
        )
    ]
    target = _toneless(gloss)
    spaced = [w for w in re.split(r"[\s'’·\-]+", gloss.strip()) if w]

    def match(i: int, pos: int) -> bool:
        if i == len(readings):
            return pos == len(target)
        return any(
            r and target.startswith(r, pos) and match(i + 1, pos + len(r)) for r in readings[i]
        )

    return (len(spaced) in (1, len(readings))) and match(0, 0)


def _pinyin(text: str, ctx: _Context) -> list[Span]:
    """``風(fēng)``, ``饕餮（tāo tiè）``: a romanisation gloss after the characters it reads.

    Evidence is the reading itself: the gloss must spell, syllable by syllable, a reading
    pypinyin gives for each of the characters just before it, so ``苹果(Apple)`` or
    ``他(DNA)`` never match. A toneless capitalised gloss (``李娜(Li Na)``) is a name's own
    romanisation, which a reader may want to hear, so it stays, and so do the glosses of an
    article about pronunciation. Only the gloss goes; the characters stay.
    """
    spans: list[Span] = []
    if _ABOUT_READINGS.search(_PINYIN_GLOSS.sub("", text)):
        return spans
    for m in _PINYIN_GLOSS.finditer(text):
        han, gloss = m.group("han"), m.group("py")
        toned = any(c in _TONE_VOWELS or c in "12345" for c in gloss)
        if not toned and gloss != gloss.lower():
            continue
        for k in range(1, len(han) + 1):
            if _reads_as(han[-k:], gloss):
                spans.append(m.span("gloss"))
                break
    return spans


# --- keywords ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def shipped_keywords() -> tuple[str, ...]:
    """The maintained list in ``audiobook/data/spam_keywords.txt``."""
    raw = resources.files("audiobook.data").joinpath("spam_keywords.txt").read_text("utf-8")
    return _parse_keywords(raw)


def _parse_keywords(raw: str) -> tuple[str, ...]:
    words = []
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line)
    return tuple(words)


def _keyword_spans(text: str, ctx: _Context) -> list[Span]:
    """Spam keywords, removed only where the document shows they were inserted.

    Evidence for an occurrence: the characters either side of it join into a word (a
    dictionary word or a bigram the document uses elsewhere), i.e. it sits inside a word; or
    it stands alone between sentences, which a word the article means never does.
    A document with two or more such occurrences (an SEO keyword line counts as one) is being
    salted, and then every occurrence of a listed keyword goes; a single keyword in an
    otherwise clean text stays unless it itself breaks a word.
    """
    if ctx.keyword_pattern is None:
        return []
    sh = shadow(text)
    hits = [m.span() for m in ctx.keyword_pattern.finditer(sh)]
    if not hits:
        return []
    stats = DocStats.of(sh)
    hits = [_with_tail(sh, h) for h in hits]
    inserted = [h for h in hits if _breaks_word(sh, h, stats) or _stands_alone(sh, h)]
    if len(inserted) + ctx.keyword_lines >= 2:
        return hits
    return [h for h in hits if h in inserted or sh[h[0] : h[1]] in ctx.mine]


_FRAGMENT_HEAD = re.compile(r"[。！？!?][ \t\u3000]*([^\s。！？!?，,；;：:、“”「」（）()]{0,4})$")
_TAIL = re.compile(r"[^\s。！？!?，,；;：:、“”「」（）()]{0,6}(?=[ \t\u3000]*(?:\n|$))")


def _with_tail(sh: str, span: Span) -> Span:
    """A keyword in a fragment trailing a paragraph's last sentence, a few characters with no
    punctuation up to the line's end (``…材料费。网上真人百家乐``, ``…协调会。百家乐网站``),
    takes the fragment with it: prose ends with punctuation, an insertion need not. Elsewhere
    the keyword's span is kept as found."""
    start, end = span
    line_start = sh.rfind("\n", 0, start) + 1
    head = _FRAGMENT_HEAD.search(sh, line_start, start)
    tail = _TAIL.match(sh, end)
    if head is None or tail is None:
        return span
    return (head.start(1), tail.end())


def _stands_alone(sh: str, span: Span) -> bool:
    """Is the keyword a sentence or line of its own (``…二十个。百家乐 市民说…``)?

    News uses a word inside a sentence; a keyword between a sentence's end (or a line's
    start) and the next sentence's end, a space or the line's end was put there.
    """
    start, end = span
    before = sh[:start].rstrip(" \t\u3000")
    after = sh[end:]
    left = not before or before[-1] in "\n。！？!?"
    right = not after or after[0] in "\n。！？!? \t\u3000"
    return left and right


def _breaks_word(sh: str, span: Span, stats: DocStats) -> bool:
    start, end = span
    if start == 0 or end >= len(sh):
        return False
    left, right = sh[start - 1], sh[end]
    return stats.joins(left, right)


# --- the chain ---------------------------------------------------------------------------------


class _Context:
    """What the rules need that stays the same for every pass of one :func:`clean` call."""

    def __init__(self, keywords: tuple[str, ...], user_keywords: tuple[str, ...]) -> None:
        # Keywords are matched on the shadow, longest first.
        shadowed = sorted(
            {shadow(k) for k in keywords + user_keywords if k.strip()}, key=len, reverse=True
        )
        self.keyword_pattern: re.Pattern[str] | None = (
            re.compile("|".join(re.escape(k) for k in shadowed)) if shadowed else None
        )
        # Keywords the user named for this run are spam by their word, wherever they stand.
        self.mine = {shadow(k) for k in user_keywords if k.strip()}
        # SEO keyword lines found so far in this document (see _keyword_line).
        self.keyword_lines = 0
        #: Spam keywords and keyword lines removed so far: a salted page is likelier to carry
        #: pasted passages.
        self.spam = 0

    @property
    def splice_prior(self) -> float:
        return splice.SPAM_PRIOR if self.spam >= 2 else 0.0


_RULE_FUNCS: dict[str, Callable[[str, _Context], list[Span]]] = {
    "invisible": _regex_rule(_INVISIBLE),
    "mojibake": _regex_rule(_MOJIBAKE),
    "url": _regex_rule(_URL),
    "emoji": _emoji,
    "footer": _footer,
    "caption": _caption,
    "caption-copy": _caption_copy,
    "pinyin": _pinyin,
    "decoration": _decoration,
    "headline-copy": _headline_copy,
    "source-line": _source_line,
    "furniture": _furniture,
    "wire-code": _wire_code,
    "keyword-line": _keyword_line,
    "keyword": _keyword_spans,
    "splice": lambda text, ctx: splice.detect(text, ctx.splice_prior),
    "separator": _separator,
    "blank-lines": _blank_lines,
    "latin-noise": _regex_rule(_LATIN_NOISE),
    "end-mark": _end_mark,
    # Passages the splice detector reports but does not remove on its own evidence.
    "suspect": lambda text, ctx: splice.suspects(text, ctx.splice_prior),
}


def _merge(spans: Iterable[Span], size: int) -> list[Span]:
    out: list[list[int]] = []
    for s, e in sorted((max(0, s), min(size, e)) for s, e in spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def clean(
    text: str,
    *,
    keep: Collection[str] = (),
    drop: Collection[str] = (),
    extra_keywords: Collection[str] = (),
    keyword_file: Path | None = None,
) -> Cleaned:
    """Remove noise from ``text``; ``keep`` switches rules off, ``drop`` switches optional ones on.

    Raises :class:`ConfigError` (a ``ValueError``) only for an unknown rule name, a usage
    error; any text is accepted.
    """
    unknown = sorted((set(keep) | set(drop)) - set(RULES))
    if unknown:
        raise ConfigError(
            f"unknown cleaning rule(s): {', '.join(unknown)}; known: {', '.join(RULES)}"
        )
    active = [r for r in RULES if (r in DEFAULT_RULES or r in drop) and r not in keep]
    user = tuple(extra_keywords)
    if keyword_file is not None:
        user += _parse_keywords(Path(keyword_file).read_text("utf-8"))
    ctx = _Context(shipped_keywords(), user)

    current = text
    origin = list(range(len(text)))  # origin[i] = index in `text` of current[i]
    removals: list[Removal] = []
    for _ in range(_MAX_PASSES):
        changed = False
        for rule in active:
            spans = _merge(_RULE_FUNCS[rule](current, ctx), len(current))
            if not spans:
                continue
            if rule in ("keyword", "keyword-line"):
                ctx.spam += len(spans)
            changed = True
            for s, e in spans:
                removals.extend(_to_input(rule, origin[s:e], text))
            keep_mask = [True] * len(current)
            for s, e in spans:
                for i in range(s, e):
                    keep_mask[i] = False
            current = "".join(c for c, k in zip(current, keep_mask, strict=True) if k)
            origin = [o for o, k in zip(origin, keep_mask, strict=True) if k]
        if not changed:
            break
    removals.sort(key=lambda r: r.start)
    suspects: list[Removal] = []
    if "splice" in active and "suspect" not in active:
        for s, e in splice.suspects(current, ctx.splice_prior):
            suspects.extend(_to_input("suspect", origin[s:e], text))
    return Cleaned(current, tuple(removals), tuple(suspects))


def _to_input(rule: str, positions: list[int], text: str) -> list[Removal]:
    """Turn removed positions (input indices, ascending) into contiguous input spans.

    A later rule can remove text around an earlier removal (a spliced passage that contained a
    keyword); splitting keeps the records disjoint, so each removal's ``text`` is exactly
    ``input[start:end]``.
    """
    out: list[Removal] = []
    if not positions:
        return out
    run_start = prev = positions[0]
    for p in positions[1:]:
        if p != prev + 1:
            out.append(Removal(rule, run_start, prev + 1, text[run_start : prev + 1]))
            run_start = p
        prev = p
    out.append(Removal(rule, run_start, prev + 1, text[run_start : prev + 1]))
    return out


def apply_removals(text: str, removals: Iterable[Removal]) -> str:
    """Cut ``removals`` out of ``text`` (the inverse view used by ``--diff`` and tests)."""
    spans = _merge(((r.start, r.end) for r in removals), len(text))
    out, pos = [], 0
    for s, e in spans:
        out.append(text[pos:s])
        pos = e
    out.append(text[pos:])
    return "".join(out)
