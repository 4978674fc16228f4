"""Line-level rules: footers, captions and their copies, separators, decoration."""

from __future__ import annotations

import re

from audiobook.text.analysis import shadow
from audiobook.text.clean.context import Context, Span, each_line, line_span

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


def footer(text: str, ctx: Context) -> list[Span]:
    spans = [
        line_span(text, s, e) for s, e, line in each_line(text) if line and _FOOTER_LINE.match(line)
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


def caption(text: str, ctx: Context) -> list[Span]:
    """Photo captions and credits, in the shapes pages print them.

    Each shape carries its own evidence: a credit (``张三 摄``, ``视觉中国供图``), a caption's
    opening (``图为``, ``▲`` with a credit word), a tag (``资料图``), or a copy of a body
    sentence standing alone as a line. A line that merely mentions photographs stays.
    """
    sh = shadow(text)
    spans: list[Span] = []
    for s, e, line in each_line(text):
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
            spans.append(line_span(text, s, e))
            continue
        short = len(stripped) <= _MAX_CAPTION and len(SENTENCE_END.findall(stripped)) <= 3
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
            spans.append(line_span(text, s, e))
    spans += [m.span() for m in _CAPTION_INLINE.finditer(text)]
    spans += [m.span() for m in _CAPTION_INLINE_SH.finditer(sh)]
    # "雪后初晴 古镇游人如织（图）": a headline's note that the page has pictures.
    for s, e, _ in each_line(text):
        tag = _PICTURE_TAG.search(sh, s, e)
        if tag and not SENTENCE_END.search(sh, s, tag.start()):
            spans.append(tag.span())
    return spans


def _isolated_mark(sh: str, start: int, end: int) -> bool:
    """A ``▲`` line with no ``▲`` line beside it: a caption, not an item of a ``▲`` list."""
    prev = sh[:start].rstrip("\n").rsplit("\n", 1)[-1] if start > 0 else ""
    nxt = sh[end:].lstrip("\n").split("\n", 1)[0]
    return not _CAPTION_MARK.match(prev) and not _CAPTION_MARK.match(nxt)


def norm_line(sh: str) -> str:
    """A line's words only (no spaces or punctuation), for comparing copies."""
    return "".join(c for c in sh if c.isalnum())


def caption_copy(text: str, ctx: Context) -> list[Span]:
    """A short line that repeats, word for word, the first sentence of another paragraph.

    Pages print a photo's caption (or the page's description) as a line of its own, and it is
    often the story's first sentence; the copy is the line that is *only* that sentence.
    Words in brackets (a byline) are left out of the comparison. The first line is never a
    copy unless it ends like a sentence (a headline does not), so this runs after the page's
    furniture above the headline has gone.
    """
    sh = shadow(text)
    lines = [(s, e, sh[s:e]) for s, e, _ in each_line(text) if sh[s:e].strip()]
    firsts: dict[str, int] = {}
    for idx, (_, _, line) in enumerate(lines):
        m = re.match(r"\s*([^。！？!?]{8,}?)[。！？!?]", line)
        if m and len(norm_line(line)) > len(norm_line(m.group(1))) + 4:
            firsts.setdefault(_copy_key(m.group(1)), idx)
    spans: list[Span] = []
    for idx, (s, e, line) in enumerate(lines):
        if idx == 0 and not re.search(r"[。！？!?]\s*$", line):
            continue
        key = _copy_key(line)
        if len(key) >= 8 and len(SENTENCE_END.findall(line.strip())) <= 1:
            other = firsts.get(key)
            if other is not None and other != idx:
                spans.append(line_span(text, s, e))
    return spans


def _copy_key(sentence: str) -> str:
    return norm_line(re.sub(r"[（(【〔][^）)】〕\n]{0,30}[）)】〕]", "", sentence))


_SEPARATOR_LINE = re.compile(r"^[\s\-—_=*~·•#＊－＝～]{3,}$")


def separator(text: str, ctx: Context) -> list[Span]:
    # Lines of rules/asterisks; a Markdown "---" is also just a visual break for a listener.
    return [
        line_span(text, s, e)
        for s, e, line in each_line(text)
        if _SEPARATOR_LINE.match(line) and not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", line)
    ]


#: Symbols pages draw rules and frames with. Not ``×``/``○`` runs inside a line, which stand in
#: for withheld names and numbers ("×××表示"), nor ``……``.
_DECOR_CHARS = "*＊=＝~～☆★◆◇○●□■※♦✦✧❖◎◢◣◤◥♥♡#＃+＋_＿\\-－—·•"
_DECOR_LINE = re.compile(f"^[\\s{_DECOR_CHARS}]+$")
_DECOR_RUN = "(?:[*＊]{3,}|[=＝]{3,}|[~～]{3,}|[☆★]{2,}|[◆◇]{2,}|[※]{2,}|[#＃]{3,}|[♦✦✧❖]{2,})"
_DECOR_EDGE = re.compile(f"^\\s*{_DECOR_RUN}[ \t\u3000]*|[ \t\u3000]*{_DECOR_RUN}\\s*$")
SENTENCE_END = re.compile(r"[。！？!?；;…]")


def decoration(text: str, ctx: Context) -> list[Span]:
    """``******``, ``====``, ``☆☆☆``: a line of frame symbols, or a run of them framing a title.

    Inside a line only runs at its very start or end go, and only on a line without sentence
    punctuation (a title, a label): ``他骂了一句****。`` keeps its censored word.
    """
    spans: list[Span] = []
    for s, e, line in each_line(text):
        if not line.strip():
            continue
        if _DECOR_LINE.match(line) and len(line.strip()) >= 3:
            spans.append(line_span(text, s, e))
        elif not SENTENCE_END.search(line):
            for m in _DECOR_EDGE.finditer(line):
                if m.start() == 0 and _MD_HEADING.match(line):
                    continue  # "### 停车问题": a Markdown heading's marks, not a frame
                if line[: m.start()].strip() or line[m.end() :].strip():
                    spans.append((s + m.start(), s + m.end()))
    return spans


_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S")
