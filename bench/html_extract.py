"""HTML extraction on the test pages: what is kept, what leaks, and how long it takes.

    python bench/html_extract.py [PAGE.html ...]

For each page (default: the pages the tests write, in their legacy encodings) prints, for
trafilatura alone on the raw page (comments and images off) and for our reader (pruning,
trafilatura, lead-ins, byline): the share of the article's paragraphs kept (recall), the
furniture lines that leak into the text, and the time per page. The article's paragraphs
are known for the test pages; for pages given on the command line only leaks and time are
printed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audiobook.inputs.html import decode_page, from_html
from tests.inputs import pages

#: Lines every page here shows around the article, never to be spoken.
FURNITURE = (
    "首页", "首頁", "分享", "网友评论", "相关新闻", "版权所有", "不要读我", "图为", "圖為",
    "點擊排行", "延伸閱讀", "上一篇", "热点排行", "孙立 摄", "字号", "登录", "版權所有",
)  # fmt: skip
#: Each test page's article paragraphs (a fragment of each), in order.
ARTICLE = {
    "simplified": ["本报讯 近日", "在一家科技公司", "图书馆馆长介绍", "自助借还", "下一步"],
    "traditional": ["山上的小學", "志工團隊說", "校長表示", "志工輪流上山"],
    "cms": ["记者从市住建局", "据介绍", "资金怎么出", "按照方案", "谁来管维护", "电梯建成后"],
    "breaks": ["台北捷運環狀線", "捷運公司表示", "有通勤族說"],
}


def _trafilatura_alone(data: bytes) -> str:
    import trafilatura
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    text, _ = decode_page(data, "page")
    extracted = trafilatura.extract(
        text, with_metadata=True, include_comments=False, include_images=False, config=config
    )
    return extracted or ""


def _ours(data: bytes) -> str:
    return from_html(data, "page").text


def _report(name: str, data: bytes, wanted: list[str] | None) -> None:
    for label, run in (("trafilatura alone", _trafilatura_alone), ("audiobook reader", _ours)):
        text = run(data)  # warm: imports and first-use set-up are not the page's cost
        started = time.perf_counter()
        for _ in range(5):
            text = run(data)
        ms = (time.perf_counter() - started) / 5 * 1000
        leaks = [w for w in FURNITURE if w in text]
        recall = f"{sum(w in text for w in wanted)}/{len(wanted)}" if wanted else "-"
        print(f"{name:<12} {label:<18} recall {recall:<5} leaks {len(leaks)} {leaks} {ms:6.1f} ms")


def main() -> None:
    if len(sys.argv) > 1:
        for arg in sys.argv[1:]:
            _report(Path(arg).name, Path(arg).read_bytes(), None)
        return
    _report("simplified", pages.simplified("gb2312"), ARTICLE["simplified"])
    _report("traditional", pages.traditional("big5"), ARTICLE["traditional"])
    _report("cms", pages.cms("gbk"), ARTICLE["cms"])
    _report("breaks", pages.breaks("big5"), ARTICLE["breaks"])
    long_paragraph = b"<p>" + "长段落。".encode() * 2000 + b"</p><h2>"
    _report("large page", pages.simplified("utf-8").replace(b"<h2>", long_paragraph), None)


if __name__ == "__main__":
    main()
