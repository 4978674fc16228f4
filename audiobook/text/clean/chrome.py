"""Page chrome: headline copies, source lines, furniture, wire codes, end marks, keyword
lines and blank lines."""

from __future__ import annotations

import re

from audiobook.text.analysis import shadow
from audiobook.text.clean.context import Context, Span, each_line, line_span
from audiobook.text.clean.line_rules import SENTENCE_END, norm_line

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


def headline_copy(text: str, ctx: Context) -> list[Span]:
    """Copies of the headline near the top: the page title with its site name
    (``标题_新浪新闻``) and the same headline line printed again.

    Only the first lines are looked at, and a copy must repeat a line word for word; of the
    copies the first stays. A page title whose headline is printed nowhere else keeps the
    headline and loses only the site name.
    """
    sh = shadow(text)
    seen: set[str] = set()
    spans: list[Span] = []
    top = [(s, e) for s, e, line in each_line(text) if line.strip()][:_TOP_LINES]
    for s, e in top:
        line = sh[s:e]
        suffix = None
        if not SENTENCE_END.search(line) and len(line.strip()) <= 100:
            suffix = _TITLE_SUFFIX.search(line)
        head = line[: suffix.start()] if suffix else line
        key = norm_line(head)
        if suffix and len(key) < 6:
            suffix = None
            key = norm_line(line)
        headline_like = not SENTENCE_END.search(line) and len(line.strip()) <= 60
        if len(key) >= 5 and key in seen and headline_like:
            spans.append(line_span(text, s, e))
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


def source_line(text: str, ctx: Context) -> list[Span]:
    """The page's own source/date/editor line: ``2018-03-02 05:45 来源:新华网``,
    ``发布时间：…``, ``日期：…　点击：…``, ``编辑：宋雨``.

    The whole line must be such fields (dates, times, ``label：value``, a site name), with a
    page's label (来源, 点击…) or a date with a time or site, so ``时间：上午9点 地点：广场``
    in an event notice stays. An author field (``作者：张三``) is the byline and stays.
    """
    sh = shadow(text)
    spans: list[Span] = []
    for s, e, _ in each_line(text):
        line = sh[s:e]
        if not line.strip() or len(line) > 120 or SENTENCE_END.search(line):
            continue
        if _EDITOR_LINE.match(line):
            # "编辑：宋雨", "编辑：张三 审核：李四": the page's editors, not the author.
            spans.append(line_span(text, s, e))
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
            spans.append(line_span(text, s, e))
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


def furniture(text: str, ctx: Context) -> list[Span]:
    """Page furniture: share/print/font-size controls, breadcrumbs, ``点击查看…``, ``扫码关注…``,
    ``【纠错】``, and a related-articles label with the headlines listed under it.

    Each line must be furniture as a whole; inline only bracketed controls (``【纠错】``) go.
    """
    sh = shadow(text)
    spans: list[Span] = []
    lines = list(each_line(text))
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
            spans.append(line_span(text, s, e))
        elif _RELATED_LABEL.match(line):
            spans.append(line_span(text, s, e))
            # The headlines under the label, up to a blank line or a line of prose.
            j = k + 1
            while j < len(lines) and _is_list_headline(sh[lines[j][0] : lines[j][1]]):
                spans.append(line_span(text, lines[j][0], lines[j][1]))
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


def wire_code(text: str, ctx: Context) -> list[Span]:
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


def end_mark(text: str, ctx: Context) -> list[Span]:
    """A wire story's ``（完）``/``【完】``/``-完-`` at the very end. Optional (``--drop
    end-mark``): news sites print it as part of the story, and hearing "完" loses nothing."""
    m = _END_MARK.search(text)
    return [m.span()] if m else []


_KEYWORD_SEP = re.compile(r"[\s,，、|｜/／;；]+")


def keyword_line(text: str, ctx: Context) -> list[Span]:
    """An SEO line: nothing but spam keywords, separated by spaces, commas or ``|``
    (``百家乐 时时彩 真人娱乐``). At least two of its words must be listed keywords and at most
    a third may be other short names (brands the list does not know); or every one of three or
    more words holds a gambling word, one of them a listed keyword (four or more need none)."""
    if ctx.keyword_pattern is None:
        return []
    sh = shadow(text)
    spans: list[Span] = []
    for s, e, _ in each_line(text):
        line = sh[s:e].strip()
        if not line or SENTENCE_END.search(line):
            continue
        words = [w for w in _KEYWORD_SEP.split(line) if w]
        if len(words) < 2 or any(len(w) > 12 for w in words):
            continue
        listed = sum(1 for w in words if ctx.keyword_pattern.search(w))
        stems = sum(1 for w in words if ctx.keyword_pattern.search(w) or _GAMBLING_STEM.search(w))
        if (listed >= 2 and 3 * (len(words) - listed) <= len(words)) or (
            len(words) >= 3 and stems == len(words) and (listed >= 1 or len(words) >= 4)
        ):
            spans.append(line_span(text, s, e))
    # A page carrying an SEO line is being salted: the keyword rule takes that as evidence.
    ctx.keyword_lines += len(spans)
    return spans


def blank_lines(text: str, ctx: Context) -> list[Span]:
    """Trailing spaces, blank lines at either end, and runs of more than one blank line.

    A single blank line is kept: in Markdown and many plain-text files it is what separates
    paragraphs.
    """
    spans: list[Span] = []
    for m in re.finditer(r"[ \t\u3000\u00a0]+(?=\n|$)", text):
        spans.append(m.span())
    m = re.match(r"\s+", text)
    if m:
        spans.append(m.span())
    m = re.search(r"\s+$", text)
    if m and m.start() > 0:
        # One final newline is how text files end; more is a tail of blank lines.
        end = m.end() - 1 if text.endswith("\n") else m.end()
        if end > m.start():
            spans.append((m.start(), end))
    for m in re.finditer(r"\n[ \t\u3000\u00a0]*\n(?:[ \t\u3000\u00a0]*\n)+", text):
        # Keep "\n\n", delete the rest of the run.
        spans.append((m.start() + 2, m.end()))
    for m in re.finditer(r"\n[ \t\u3000\u00a0]+\n", text):
        spans.append((m.start() + 1, m.end() - 1))
    return spans
