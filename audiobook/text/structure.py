"""Structure: find the title, byline, lead and sub-headed sections of a cleaned article.

Chapter titles are what a listener sees in a podcast app, so headings are recognised only from
explicit signals that news sites and Markdown use — a kicker line ending in ``——`` followed by
a headline line, ``#`` headings, ``一、``/``（一）`` numbering — or from a pattern of short
unpunctuated lines between prose paragraphs (two or more in one article), never from "a short
line" alone, which in news is as often a one-line question, a quote or a credit as a heading.

Books are articles with deeper headings: ``#``…``######``, and ``第…部/卷/篇``, ``第…章/回``,
``第…节`` (Chinese or Arabic numerals, with or without a title after them). Each section keeps
its heading's depth as ``level``, ranked densely from 1 (the shallowest heading the text uses),
so chapter markers can nest as the book does.
"""

from __future__ import annotations

import re

from audiobook.models import Article, Section

LEAD_TITLE = "导语"
NOTE_TITLE = "编者按"
_MAX_HEADING = 40
_MAX_TITLE = 50

_TERMINAL = re.compile(r"[。！？!?；;…」』”\"]$")
_BYLINE = re.compile(
    r"^(?:[^\s，。]{0,12}(?:记者|記者|通讯员|通訊員|特约撰稿人|特約撰稿人|撰稿|作者|文)"
    r"[\s:：／/]*[\u4e00-\u9fff·]{2,5}(?:[\s、，,]+[\u4e00-\u9fff·]{2,5})*"
    r"|(?:文|作者|记者|記者)[/／:：]\s*\S{2,20}"
    # "撰文：李思敏　攝影：張志強"
    r"|(?:撰文|文|作者|记者|記者|采写|採寫)\s*[:：/／]\s*[\u4e00-\u9fff·]{2,4}"
    r"(?:\s+(?:摄影|攝影|图|圖|编辑|編輯|视频|視頻)\s*[:：/／]\s*[\u4e00-\u9fff·]{2,4})+"
    # "記者陳美華／高雄報導"
    r"|(?:记者|記者)\s*[\u4e00-\u9fff·]{2,4}(?:[、，,][\u4e00-\u9fff·]{2,4})*\s*[/／]\s*"
    r"[\u4e00-\u9fff]{2,8}(?:报导|報導|报道|報道))\s*$"
)
_REPORTER = r"(?:记者|記者|通讯员|通訊員|实习生|實習生|特约撰稿人|特約撰稿人|撰稿人?|特派员|特派員)"
#: A wire or paper dateline: "新华社北京1月5日电", "中新网上海5月3日电", "本报北京5月3日讯",
#: "本报讯", "新浪体育讯", "央视网消息". It is content (said as printed), never a title or a
#: heading.
_DATELINE = (
    r"(?:[^\s，。！？（）()【】]{1,14}?"
    r"(?:[0-9０-９]{1,2}|[一二三四五六七八九十〇]{1,3})(?:月(?:[0-9０-９]{1,2}|[一二三四五六七八九十〇]{1,3}))?日"
    r"\s*(?:电|電|讯|訊)|(?:本报|本報)[^\s，。！？（）()]{0,8}?(?:讯|訊)|[^\s，。！？（）()]{2,8}(?:讯|訊)"
    r"|[^\s，。！？（）()：:]{2,8}消息)"
)
_DATELINE_LINE = re.compile(r"^\s*[【\[]?\s*" + _DATELINE + r"\s*[】\]]?\s*$")
#: A byline in brackets, opening the first paragraph or after its dateline: "本报讯（记者 王某）…",
#: "新华社北京1月5日电（记者 张三）…", "(記者 李四／台北報導)", "【本报驻北京记者张三电】",
#: "〔記者王某／花蓮報導〕".
_LEAD_BYLINE = re.compile(
    r"^\s*(?:"
    + _DATELINE
    + r")?\s*[（(【\[〔]\s*(?P<by>[^（）()【】\[\]〔〕\n。！？]{0,16}"
    + _REPORTER
    + r"[^（）()【】\[\]〔〕\n。！？]{1,30}?)\s*[）)】\]〕]"
)
#: A byline alone in brackets on the article's last line: "（实习生 何晴 记者 程立）".
_TAIL_BYLINE = re.compile(
    r"^\s*[（(〔]\s*(?P<by>(?:" + _REPORTER + r")\s*[\u4e00-\u9fff·]{2,4}"
    r"(?:[\s、，,]+(?:" + _REPORTER + r")?\s*[\u4e00-\u9fff·]{2,4}){0,4})\s*[）)〕]\s*$"
)
_NOTE_END = re.compile(r"^\s*[—－-]{1,2}\s*(?:编者|編者)\s*$")
_NOTE_START = re.compile(r"^\s*[【\[]?\s*(?:编者按|編者按)")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_NUMBERED = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[）)])\s*\S"
)
#: Book divisions, by depth: part, chapter, section ("第12章", "第一百零三回 风起", "第三节",
#: "第一章风起"). The title may follow the unit directly, except where unit and next character
#: make an ordinary word (回合, 节课, 章节, 部门, 篇文章…): "第三回合比分胶着" is a sentence,
#: not a heading. "部分" is a part ("第一部分 总体要求").
_DIVISION = re.compile(
    r"^\s*第\s*[0-9０-９一二三四五六七八九十百千零〇两]{1,7}\s*(部分|[部卷篇章回节節])"
    r"(?![合课課节節目门門长長队隊文幅])"
)
_DIVISION_RANK = {"部分": 1, "部": 1, "卷": 1, "篇": 1, "章": 2, "回": 2, "节": 3, "節": 3}
#: Numbered sub-headings sit below chapters: "一、" then "（一）".
_NUMBERED_RANK = 3
_KICKER = re.compile(r"^.{2,40}(?:——|--)\s*$")
_MD_EMPHASIS = re.compile(r"^\*\*(.+)\*\*$|^__(.+)__$")


#: How a sentence ends; a headline may end in a closing quote ("农机手忙“抢收”"), not in this.
_SENTENCE_END = re.compile(r"[。！？!?；;…][」』”\"’]*$|^[“「『\"].*[」』”\"]$")


def _is_headline(line: str) -> bool:
    return 0 < len(line) <= _MAX_HEADING and not _SENTENCE_END.search(line)


def _plain(line: str) -> str:
    m = _MD_EMPHASIS.match(line)
    return (m.group(1) or m.group(2)).strip() if m else line


def structure(text: str) -> Article:
    """Split cleaned, Simplified text into an :class:`Article`; any text is accepted."""
    lines = [_plain(ln.strip()) for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    title: str | None = None
    byline: str | None = None

    # Title and byline among the first lines (either order), each at most once.
    i = 0
    while i < len(lines) and i < 3:
        line = lines[i]
        md = _MD_HEADING.match(line)
        if byline is None and _BYLINE.match(line):
            byline = line
        elif title is None and md and len(md.group(1)) == 1 and i == 0:
            title = md.group(2)
        elif (
            title is None
            and i == 0
            and len(lines) > 1
            and _is_headline(line)
            and len(line) <= _MAX_TITLE
            and not _KICKER.match(line)
            and not _NUMBERED.match(line)
            and not _DIVISION.match(line)
            and not _NOTE_START.match(line)
            and not _DATELINE_LINE.match(line)
            and not _LEAD_BYLINE.match(line)
        ):
            title = line
        else:
            break
        i += 1

    sections: list[Section] = []
    ranks: list[int] = []  # each section's heading rank (0: no heading, the lead)
    current_title: str | None = None
    current_rank = 0
    paragraphs: list[str] = []
    lead_is_note = False

    def flush() -> None:
        nonlocal paragraphs
        if current_title is None and not paragraphs:
            return
        heading = current_title
        if heading is None:
            heading = NOTE_TITLE if lead_is_note else (title or LEAD_TITLE)
        sections.append(Section(heading, tuple(paragraphs)))
        ranks.append(current_rank)
        paragraphs = []

    body = lines[i:]
    if byline is None and len(body) > 2:
        tail = _TAIL_BYLINE.match(body[-1])
        if tail:
            # "（实习生 何晴 记者 程立）" closing the article: its byline, said after the title.
            byline = tail.group("by").strip()
            body = body[:-1]
    subheads = _short_subheadings(body)
    k = 0
    while k < len(body):
        line = body[k]
        heading = _heading(body, k)
        if heading is None and k in subheads:
            heading = (line, 1, 1)
        if heading is not None:
            text_heading, consumed, rank = heading
            flush()
            current_title = text_heading
            current_rank = rank
            k += consumed
            continue
        if (
            not sections
            and current_title is None
            and (_NOTE_START.match(line) or _NOTE_END.match(line))
        ):
            lead_is_note = True
        # Before the first paragraph of prose (a subtitle may come first).
        opening = not sections and all(_is_headline(p) for p in paragraphs)
        lead_byline = _LEAD_BYLINE.match(line) if opening else None
        if byline is None and k < 6 and not sections and _BYLINE.match(line):
            byline = line
        elif byline is None and lead_byline:
            # The byline in brackets names the author; the paragraph (its dateline, and the
            # byline as printed) stays as the reader reads it.
            byline = lead_byline.group("by").strip()
            paragraphs.append(line)
        elif (
            title is None
            and lead_is_note
            and not sections
            and k + 1 < len(body)
            and _is_headline(line)
            and _BYLINE.match(body[k + 1])
        ):
            # After an editor's note: the article's own headline, then its byline.
            title = line
        else:
            paragraphs.append(line)
        k += 1
    flush()
    if not sections:
        sections.append(Section(title or LEAD_TITLE, ()))
        ranks.append(0)
    levels = _levels(ranks)
    sections = [
        Section(s.title, s.paragraphs, level) if level != 1 else s
        for s, level in zip(sections, levels, strict=True)
    ]
    return Article(title=title, byline=byline, sections=tuple(sections))


def _levels(ranks: list[int]) -> list[int]:
    """Heading ranks -> levels 1, 2, ... densely (a book using only ## and #### gets 1 and 2);
    a section without a heading (the lead) is at the top level."""
    used = sorted({r for r in ranks if r > 0})
    dense = {rank: i + 1 for i, rank in enumerate(used)}
    return [dense.get(r, 1) for r in ranks]


_MAX_SUBHEAD = 20
#: What a sub-heading never holds: sentence or clause punctuation, quotation marks, brackets.
_NOT_SUBHEAD = re.compile(
    r"[。！？!?；;…，,、“”‘’「」『』\"'（）()《》【】\[\]]|[:：]$|记者|記者|摄|攝|^[▲△]|^[图圖]片?[为為]"
)


def _short_subheadings(body: list[str]) -> set[int]:
    """Short unpunctuated lines that head the paragraphs after them ("借住兄弟租屋处").

    A short line alone is as often a quote, a speaker's name or a credit as a heading, so the
    evidence is the pattern: at least two such lines in the article, each with prose
    paragraphs (ending in sentence punctuation) before and after it, and none of them a
    byline, a dateline, a caption or a label (``胡德华：``). A text that marks its headings
    itself is left to those marks.
    """
    if any(_heading(body, k) for k in range(len(body))):
        return set()  # the text marks its own headings (a book's chapters, "一、", "#")
    found: set[int] = set()
    for k in range(1, len(body) - 1):
        line, prev, nxt = body[k], body[k - 1], body[k + 1]
        if (
            2 <= len(line) <= _MAX_SUBHEAD
            and not _NOT_SUBHEAD.search(line)
            and _TERMINAL.search(prev)
            and _TERMINAL.search(nxt)
            and len(nxt) > 2 * len(line)
            and not _BYLINE.match(line)
            and not _DATELINE_LINE.match(line)
            and not _MD_HEADING.match(line)
        ):
            found.add(k)
    return found if len(found) >= 2 else set()


def _heading(lines: list[str], k: int) -> tuple[str, int, int] | None:
    """(title, lines consumed, rank) if a sub-heading starts at line ``k``."""
    line = lines[k]
    md = _MD_HEADING.match(line)
    if md:
        return md.group(2).strip(), 1, len(md.group(1))
    nxt = lines[k + 1] if k + 1 < len(lines) else None
    if _KICKER.match(line) and nxt is not None and _is_headline(nxt) and not _KICKER.match(nxt):
        # Kicker + headline read as one title: "迎检不需要做录像和PPT后——社区干部，腾出手干实事".
        return line.rstrip() + nxt, 2, 1
    division = _DIVISION.match(line)
    if division and _is_headline(line):
        return line, 1, _DIVISION_RANK[division.group(1)]
    if _NUMBERED.match(line) and _is_headline(line) and nxt is not None:
        rank = _NUMBERED_RANK + (1 if line.lstrip()[0] in "（(" else 0)
        return line, 1, rank
    return None
