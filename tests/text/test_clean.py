from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiobook.text.clean import RULES, apply_removals, clean
from tests.text.conftest import FIXTURES, news_fixtures

_SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_CHINESE = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.sampled_from(list("，。！？、：；“”（）\n 0123456789PPT包養網版主摄攝——")),
    ),
    max_size=300,
)


@_SLOW
@given(st.one_of(st.text(max_size=300), _CHINESE))
def test_clean_never_raises_is_idempotent_and_only_deletes(text: str) -> None:
    once = clean(text)
    assert clean(once.text).text == once.text
    assert apply_removals(text, once.removals) == once.text
    for r in once.removals:
        assert text[r.start : r.end] == r.text
        assert r.rule in RULES


@pytest.mark.parametrize("path", news_fixtures(), ids=lambda p: p.name)
def test_clean_news_fixtures_lose_nothing(path) -> None:
    text = path.read_text("utf-8")
    result = clean(text)
    assert result.removals == ()
    assert result.text == text


#: Lines that are page furniture, not article: a share bar, a photo caption, an editor's line,
#: a link, a zero-width space and an emoji (the kinds spammed.txt shows in one place).
JUNK = [
    ("分享到：微信 微博 QQ空间\n", "furniture"),
    ("广场一角 李明 摄\n", "caption"),
    ("责任编辑：王五\n", None),
    ("http://spam.example.com/ad?id=1", "url"),
    ("\u200b", "invisible"),
    ("😀", "emoji"),
]


@pytest.mark.parametrize("path", news_fixtures(), ids=lambda p: p.name)
@pytest.mark.parametrize(("junk", "rule"), JUNK, ids=[r or "editor" for _, r in JUNK])
def test_junk_added_to_clean_news_is_removed_and_nothing_else(
    path, junk: str, rule: str | None
) -> None:
    """The clean news fixtures with one piece of junk put into them (a line after the first
    sentence's paragraph, or mid-sentence for a link or a character) clean back to the
    article exactly: what is removed is the junk, and all of it."""
    text = path.read_text("utf-8")
    cut = text.index("\n", text.index("。")) + 1 if junk.endswith("\n") else text.index("。")
    result = clean(text[:cut] + junk + text[cut:])
    assert result.text == text
    assert "".join(r.text for r in result.removals) == junk
    if rule is not None:
        assert {r.rule for r in result.removals} == {rule}


def test_legitimate_keyword_is_kept() -> None:
    text = (FIXTURES / "news" / "03-forum.txt").read_text("utf-8")
    assert "版主" in text and clean(text).text.count("版主") == text.count("版主")


def test_spammed_article() -> None:
    text = (FIXTURES / "spammed.txt").read_text("utf-8")
    result = clean(text)
    rules = {r.rule for r in result.removals}
    assert {"keyword", "caption", "url", "emoji", "invisible", "blank-lines"} <= rules
    assert "包養" not in result.text and "包养" not in result.text
    assert "公园新增" in result.text and "老周" in result.text
    assert "摄" not in result.text and "http" not in result.text
    assert result.text.rstrip("\n").endswith("受到市民欢迎。")


def test_keep_disables_a_rule_and_unknown_rule_is_an_error() -> None:
    text = (FIXTURES / "spammed.txt").read_text("utf-8")
    assert "包養網" in clean(text, keep=["keyword"]).text
    with pytest.raises(ValueError, match="unknown"):
        clean(text, keep=["nope"])


def test_user_keywords(tmp_path) -> None:
    text = "今年以來，市里新增公園二十個，市民都說好廣告詞。這裡環境廣告詞優美。\n"
    assert "廣告詞" in clean(text).text
    assert "廣告詞" not in clean(text, extra_keywords=["廣告詞"]).text
    kw = tmp_path / "kw.txt"
    kw.write_text("# mine\n廣告詞\n", "utf-8")
    assert "廣告詞" not in clean(text, keyword_file=kw).text


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("佛山地铁2号线纵贯广州南站 景瑾瑾 摄", "caption"),
        ("記者 王小明 攝", "caption"),
        ("（責編：王某、李某）", "footer"),
        ("《人民日报》（2024年05月20日 04 版）", "footer"),
    ],
)
def test_line_rules(line: str, rule: str) -> None:
    text = f"第一段正文说明了情况。\n{line}\n第二段正文继续说明。\n"
    result = clean(text)
    assert [r.rule for r in result.removals] == [rule]
    assert result.text == "第一段正文说明了情况。\n第二段正文继续说明。\n"


def test_sentence_ending_in_she_is_not_a_caption() -> None:
    text = "他说，这些照片都是由他本人亲自拍摄。\n"
    assert clean(text).removals == ()


@pytest.mark.slow
def test_seed_removals(seed_text: str) -> None:
    result = clean(seed_text)
    rules = [r.rule for r in result.removals]
    assert rules.count("keyword") >= 25
    assert "caption" in rules and "splice" in rules
    assert "景瑾瑾" not in result.text
    assert "包養" not in result.text and "版主" not in result.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小朋友學寫風(fēng)字。", "小朋友學寫風字。"),
        ("这个龢（hé）字今天很少见。", "这个龢字今天很少见。"),
        ("古书里的饕餮（tāo tiè）是一种猛兽。", "古书里的饕餮是一种猛兽。"),
        ("古書裡的饕餮（tāotiè）是一種猛獸。", "古書裡的饕餮是一種猛獸。"),
        ("綠(lǜ)色的行(hang2)道树。", "綠色的行道树。"),
    ],
)
def test_pinyin_gloss_is_removed(text: str, expected: str) -> None:
    result = clean(text)
    assert result.text == expected
    assert {r.rule for r in result.removals} == {"pinyin"}
    assert "pinyin" not in {r.rule for r in clean(text, keep=["pinyin"]).removals}


@pytest.mark.parametrize(
    "text",
    ["苹果(Apple)公司发布新品。", "这种咖啡(café)很香。", "选手李娜(Li Na)夺冠。", "检测(DNA)结果"],
)
def test_latin_in_brackets_that_is_not_a_reading_stays(text: str) -> None:
    assert clean(text).removals == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("新修步道******\n步道开放了。\n", "新修步道\n步道开放了。\n"),
        ("☆☆☆ 夜市重新開張 ☆☆☆\n夜市昨晚重新開張。\n", "夜市重新開張\n夜市昨晚重新開張。\n"),
        ("第一段写完了。\n＝＝＝＝＝＝\n第二段接着写。\n", "第一段写完了。\n第二段接着写。\n"),
        ("第一段寫完了。\n★★★★★\n第二段接著寫。\n", "第一段寫完了。\n第二段接著寫。\n"),
    ],
)
def test_decoration_is_removed(text: str, expected: str) -> None:
    result = clean(text)
    assert result.text == expected
    assert {r.rule for r in result.removals} == {"decoration"}
    assert clean(text, keep=["decoration", "separator", "emoji"]).text == text


@pytest.mark.parametrize("text", ["他骂了一句****，转身就走。\n", "×××表示同意。\n", "——\n"])
def test_censored_words_and_placeholders_are_not_decoration(text: str) -> None:
    assert clean(text).text == text


_BODY_1 = "第一段正文说明了情况，内容比较长。\n"
_BODY_2 = "第二段正文继续说明。\n"


@pytest.mark.parametrize(
    "line",
    [
        "▲市民在新建的湿地公园里锻炼身体。新华社记者 张三 摄",
        "▲ 居民在河濱步道散步（圖／記者李四攝）",
        "图为市民在公园锻炼。",
        "圖為遊客在老街品嚐小吃，享受假日。",
        "张三摄/视觉中国图片",
        "王五 摄 / 东方IC图片",
        "视觉中国供图",
        "圖／記者王小明攝",
        "资料图",
        "資料圖片",
        "（示意图）",
        "图片来源：网络",
        "摄影：赵六",
        "市民在公园锻炼。新华社记者 张三 摄",
        "孩子們在新操場上奔跑。 陳大文 攝",
    ],
)
def test_caption_lines(line: str) -> None:
    result = clean(f"{_BODY_1}{line}\n{_BODY_2}")
    assert result.text == _BODY_1 + _BODY_2
    assert {r.rule for r in result.removals} == {"caption"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "图为市民在公园锻炼。新华社记者张三摄今年以来，全市新建公园二十个，市民都很满意。\n",
            "今年以来，全市新建公园二十个，市民都很满意。\n",
        ),
        (
            "圖為市民在公園散步。本報記者李四攝今年以來，全市新建公園二十個，市民都很滿意。\n",
            "今年以來，全市新建公園二十個，市民都很滿意。\n",
        ),
        ("活动现场（新华社发 李四摄）很热闹。\n", "活动现场很热闹。\n"),
        ("新馆开放（新华社记者 张三 摄）。\n", "新馆开放。\n"),
        ("新館開放（圖／記者李四攝）。\n", "新館開放。\n"),
    ],
)
def test_inline_and_glued_captions(text: str, expected: str) -> None:
    result = clean(text)
    assert result.text == expected
    assert {r.rule for r in result.removals} == {"caption"}


@pytest.mark.parametrize("script", ["s", "t"])
def test_caption_repeating_the_first_sentence(script: str) -> None:
    text = (
        "公园新增健身器材\n市民在公园里锻炼身体\n"
        "市民在公园里锻炼身体。今年以来，全市新建公园二十个。\n第二段。\n"
    )
    if script == "t":
        text = text.replace("园", "園").replace("锻炼", "鍛鍊").replace("来", "來")
    result = clean(text)
    assert [r.rule for r in result.removals] == ["caption-copy"]
    assert result.removals[0].text.startswith("市民在公")
    assert result.text.count("市民在公") == 1
    assert clean(text, keep=["caption-copy"]).removals == ()


def test_a_headline_under_page_furniture_repeating_the_first_sentence_stays() -> None:
    text = "首页 > 新闻 > 本地\n全市新建公园二十个\n全市新建公园二十个。市民都很满意。\n"
    result = clean(text)
    assert result.text == "全市新建公园二十个\n全市新建公园二十个。市民都很满意。\n"


@pytest.mark.parametrize(
    "text",
    [
        "他说，这些照片都是由他本人亲自拍摄。\n",
        "今天的发展新蓝图\n正文说明情况。\n",
        "文/张三 图/李四\n正文说明情况。\n",
        "图书馆今年新增藏书一万册。\n",
        "摄影展吸引了很多市民。\n",
        "他引用了一句话：团结就是力量。\n团结就是力量。这句话大家都会唱。\n",
    ],
)
def test_photo_words_in_body_text_stay(text: str) -> None:
    assert clean(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("河道整治完工_新浪新闻\n河道整治完工\n正文说明。\n", "河道整治完工\n正文说明。\n"),
        ("河道整治完工_新闻中心_新浪网\n正文说明。\n", "河道整治完工\n正文说明。\n"),
        ("夜市重新開張 | 蘋果日報\n正文說明。\n", "夜市重新開張\n正文說明。\n"),
        ("河道整治完工 - 示例日报网\n正文说明。\n", "河道整治完工\n正文说明。\n"),
        ("夜市重新開張\n夜市重新開張\n正文說明。\n", "夜市重新開張\n正文說明。\n"),
    ],
)
def test_headline_copies(text: str, expected: str) -> None:
    result = clean(text)
    assert result.text == expected
    assert {r.rule for r in result.removals} == {"headline-copy"}
    assert clean(text, keep=["headline-copy"]).text == text


@pytest.mark.parametrize(
    "text",
    [
        "专访 | 他说\n正文说明。\n",
        "两会|代表委员热议民生\n正文说明。\n",
        "第一段说明了情况。\n加油\n加油\n",
        "标题\n正文第一段。\n" + "正文。\n" * 12 + "标题\n",
    ],
)
def test_lines_like_headline_copies_stay(text: str) -> None:
    assert "headline-copy" not in {r.rule for r in clean(text).removals}


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("2018-03-02 05:45 来源:示例网", ""),
        ("發佈時間：2020年01月02日 10:21", ""),
        ("日期：2021-05-06　點擊：235", ""),
        ("2019年03月02日 10:21 示例新闻", ""),
        ("来源： 示例网　编辑： 王五", ""),
        ("2018-03-02", ""),
        ("来源：示例网 作者：张三", "作者：张三\n"),
        ("2018-03-02 05:45:10 | 來源: 示例網 | 作者: 李四", "作者: 李四\n"),
    ],
)
def test_source_lines(line: str, kept: str) -> None:
    result = clean(f"河道整治完工\n{line}\n正文说明。\n")
    assert result.text == f"河道整治完工\n{kept}正文说明。\n"
    assert {r.rule for r in result.removals} == {"source-line"}


@pytest.mark.parametrize(
    "line",
    [
        "时间：上午9点 地点：市民广场",
        "时间：2020年5月1日",
        "2023年5月1日",
        "作者：张三",
        "来源不明",
    ],
)
def test_lines_like_source_lines_stay(line: str) -> None:
    text = f"河道整治完工\n{line}\n正文说明。\n"
    assert clean(text).text == text


@pytest.mark.parametrize(
    "line",
    [
        "分享到： 微信 微博 QQ空间",
        "字号 大 中 小",
        "字號：大 中 小",
        "【字体：大 中 小】 【打印】 【关闭】",
        "放大圖片",
        "【纠错】",
        "打印",
        "首页 > 新闻 > 国内",
        "您的位置：首頁 > 新聞 > 正文",
        "点击查看更多图片",
        "點擊進入專題",
        "扫码关注我们",
        "掃描二維碼下載客戶端",
    ],
)
def test_furniture_lines(line: str) -> None:
    text = f"河道整治完工\n第一段正文说明情况。\n{line}\n第二段正文继续说明。\n"
    result = clean(text)
    assert result.text == "河道整治完工\n第一段正文说明情况。\n第二段正文继续说明。\n"
    assert {r.rule for r in result.removals} == {"furniture"}


def test_inline_furniture_and_related_list() -> None:
    text = (
        "河道整治完工\n正文说明情况。【纠错】 【责任编辑：张三】\n第二段正文。\n"
        "相關新聞：\n夜市重新開張\n· 河濱步道開放 2020-01-01\n"
    )
    result = clean(text)
    assert result.text == "河道整治完工\n正文说明情况。\n第二段正文。\n"
    assert "furniture" in {r.rule for r in result.removals}
    assert "相關新聞" in clean(text, keep=["furniture", "footer"]).text


@pytest.mark.parametrize(
    "line", ["扫码点餐成新风尚", "中", "评论", "更多", "大中小企业都受益", "点击率很高"]
)
def test_lines_like_furniture_stay(line: str) -> None:
    text = f"河道整治完工\n第一段正文说明情况。\n{line}\n第二段正文继续说明。\n"
    assert clean(text).text == text


def test_a_repeated_paragraph_is_not_a_headline_copy() -> None:
    text = "河道整治完工\n正文说明了情况。\n正文说明了情况。\n"
    assert "headline-copy" not in {r.rule for r in clean(text).removals}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("正文说明情况。（编辑 张三）\n", "正文说明情况。\n"),
        ("正文說明情況。（編輯：張三）1120505\n", "正文說明情況。\n"),
        ("正文说明情况。（完）（编辑：李四）\n", "正文说明情况。（完）\n"),
        ("正文说明情况。（2023-05-01）\n", "正文说明情况。\n"),
    ],
)
def test_wire_codes_at_the_end(text: str, expected: str) -> None:
    result = clean(text)
    assert result.text == expected
    assert {r.rule for r in result.removals} == {"wire-code"}
    assert clean(text, keep=["wire-code"]).text == text


@pytest.mark.parametrize(
    "text",
    [
        "正文说明情况。（编辑：李四）\n下一段继续。\n",
        "他在（2023-05-01）那天出发，一路向西。\n",
        "新华社消息，故事到这里就（完）了。\n",
        "正文说明情况。（完）\n",
    ],
)
def test_codes_not_at_the_end_stay(text: str) -> None:
    assert clean(text).text == text


@pytest.mark.parametrize(
    "line", ["包養網 百家樂 娛樂城", "百家乐,六合彩|老虎机", "时时彩 北京pk10 幸运飞艇 某某国际"]
)
def test_keyword_lines(line: str) -> None:
    result = clean(f"第一段正文说明情况。\n{line}\n第二段正文继续说明。\n")
    assert result.text == "第一段正文说明情况。\n第二段正文继续说明。\n"
    assert {r.rule for r in result.removals} == {"keyword-line"}


def test_a_line_mentioning_one_keyword_is_not_a_keyword_line() -> None:
    text = "第一段正文说明情况。\n百家乐 公园 广场\n第二段正文继续说明。\n"
    assert "keyword-line" not in {r.rule for r in clean(text).removals}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "今年以来，市里新增公园二十个。澳门新葡京 市民都说好。\n",
            "今年以来，市里新增公园二十个。 市民都说好。\n",
        ),
        ("市民都說好。\n時時彩\n第二段。\n", "市民都說好。\n\n第二段。\n"),
        ("今年以来，市里新增公太阳城娱乐园二十个。\n", "今年以来，市里新增公园二十个。\n"),
    ],
)
def test_gambling_brands_inserted_in_text(text: str, expected: str) -> None:
    result = clean(text)
    assert result.text == expected
    assert {r.rule for r in result.removals} == {"keyword"}


@pytest.mark.parametrize(
    "text",
    ["警方破获一起利用重庆时时彩进行赌博的案件。\n", "扑克、百家乐、老虎机等赌博游戏被查处。\n"],
)
def test_news_about_gambling_keeps_its_words(text: str) -> None:
    assert clean(text).text == text


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("免责声明：本站部分内容来自网络，如有侵权请联系删除。", "furniture"),
        ("圖片來源於網絡，侵刪", "furniture"),
        ("转载请注明出处。", "furniture"),
        ("版權所有，未經授權不得轉載", "furniture"),
        ("展开全文", "furniture"),
        ("广告", "furniture"),
        ("标签：公园 健身", "furniture"),
        ("已有23人参与", "furniture"),
        ("更多精彩内容，请关注示例新闻客户端", "furniture"),
    ],
)
def test_page_notices(line: str, rule: str) -> None:
    text = f"第一段正文说明情况。\n{line}\n第二段正文继续说明。\n"
    result = clean(text)
    assert result.text == "第一段正文说明情况。\n第二段正文继续说明。\n"
    assert {r.rule for r in result.removals} == {rule}


def test_source_in_brackets_at_the_end() -> None:
    result = clean("正文说明情况。（来源：示例网）\n")
    assert result.text == "正文说明情况。\n"
    assert [r.rule for r in result.removals] == ["wire-code"]


@pytest.mark.parametrize("line", ["3000人参与义务植树", "他在广告公司上班。", "更多精彩等你发现"])
def test_lines_like_notices_stay(line: str) -> None:
    text = f"第一段正文说明情况。\n{line}\n第二段正文继续说明。\n"
    assert clean(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第一段。\n图片\n第二段。\n", "第一段。\n第二段。\n"),
        ("第一段。\n文章关键词： 智能秤 农贸市场\n", "第一段。\n"),
        ("第一段。\n我要反馈\n保存网页\n", "第一段。\n"),
        ("正文说明情况。\n（中央社）\n", "正文说明情况。\n"),
        ("正文说明情况。\n澳门葡京 线上赌场 真人视讯 彩票平台\n", "正文说明情况。\n"),
    ],
)
def test_more_page_junk(text: str, expected: str) -> None:
    assert clean(text).text == expected


def test_a_keyword_fragment_after_a_sentence_goes_whole() -> None:
    text = "社区先后召开了十几次协调会。百家乐网站\n下一步继续推进。\n澳门新葡京\n"
    result = clean(text)
    assert result.text == "社区先后召开了十几次协调会。\n下一步继续推进。\n"
    assert {r.rule for r in result.removals} == {"keyword", "blank-lines"}


@pytest.mark.parametrize(
    "text",
    [
        "据新华社报道，会议在京召开（新华社）。\n他说，这是第一次。\n",
        "彩票 投注 规则\n",
        "他介绍了彩票发行的新规定。\n",
        "记者走访了本市三家赌场。\n",
    ],
)
def test_gambling_words_and_agencies_in_news_stay(text: str) -> None:
    assert clean(text).text == text


def test_a_first_line_repeating_the_lead_sentence_is_a_copy() -> None:
    body = "新华社消息（记者 张三）：市里新建公园二十个。市民都说好。\n"
    result = clean("新华社消息：市里新建公园二十个。\n新建公园\n" + body)
    assert result.text == "新建公园\n" + body
    assert [r.rule for r in result.removals] == ["caption-copy"]


def test_an_isolated_triangle_line_is_a_caption_a_triangle_list_is_not() -> None:
    assert clean("第一段。\n▲市民在月台等候头班车。\n第二段。\n").text == "第一段。\n第二段。\n"
    listed = clean("第一段。\n▲ 全面取消落户限制。\n▲ 推进公共服务。\n第二段。\n")
    assert "caption" not in {r.rule for r in listed.removals}
    assert "全面取消落户限制" in listed.text and "推进公共服务" in listed.text


@pytest.mark.parametrize("line", ["编辑：宋雨", "编辑：张三 审核：李四", "責任編輯：陳默、林一"])
def test_editor_lines(line: str) -> None:
    result = clean(f"第一段正文。\n{line}\n")
    assert result.text == "第一段正文。\n"
    assert {r.rule for r in result.removals} == {"source-line"}


def test_an_editor_in_a_sentence_stays() -> None:
    text = "第一段正文。\n编辑：宋雨说，这篇稿子改了三遍。\n"
    assert clean(text).text == text


def test_a_keyword_fragment_after_the_last_sentence_goes() -> None:
    text = "一学期只收二十元材料费。网上真人百家乐\n第二段正文。\n"
    result = clean(text)
    assert result.text == "一学期只收二十元材料费。\n第二段正文。\n"


@pytest.mark.parametrize(
    "text",
    ["警方捣毁网上百家乐赌博窝点\n第二段正文。\n", "他说。警方捣毁网上百家乐赌博窝点后续。\n"],
)
def test_a_keyword_in_a_headline_or_sentence_about_it_stays(text: str) -> None:
    assert clean(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("阿嬤的灶腳古早味 | 示例日報 | 生活\n正文。\n", "阿嬤的灶腳古早味\n正文。\n"),
        ("灶腳裡掛著照片（翻攝畫面）。\n", "灶腳裡掛著照片。\n"),
        ("攤車沿街叫賣（圖／讀者提供）。\n", "攤車沿街叫賣。\n"),
        ("正文说明情况。\n【编辑：王小明】\n", "正文说明情况。\n"),
        ("正文說明情況。\n看更多示例日報報導\n", "正文說明情況。\n"),
    ],
)
def test_more_page_junk_in_either_script(text: str, expected: str) -> None:
    assert clean(text).text == expected


@pytest.mark.parametrize("line", ["风景摄影", "人像摄影", "手绘", "城市制图", "航拍摄影"])
def test_photography_words_as_headings_are_not_credits(line: str) -> None:
    text = f"第一段正文。\n{line}\n第二段正文。\n"
    assert clean(text).text == text


@pytest.mark.parametrize(
    "line", ["关键词：稳就业", "关键词一：民生", "上图书馆看书成了新时尚", "分享", "首页"]
)
def test_heading_like_lines_that_are_not_furniture(line: str) -> None:
    text = f"第一段正文。\n{line}\n第二段正文。\n"
    assert clean(text).text == text


@pytest.mark.parametrize(
    "line",
    [
        "点击上方蓝字关注我们",
        "本文来自微信公众号“示例观察”，原文链接",
        "（原题为《老厂房的新生》）",
        "ETtoday新聞雲 2022年12月03日 11:20",
    ],
)
def test_still_more_page_lines(line: str) -> None:
    text = f"第一段正文说明情况。\n{line}\n第二段正文继续说明。\n"
    assert clean(text).text == "第一段正文说明情况。\n第二段正文继续说明。\n"


def test_a_more_link_opens_a_link_list() -> None:
    text = "正文说明情况。\n►獨居長者怎麼幫？ 點我看更多\n►社福團體募集年菜 即日起受理\n"
    assert clean(text).text == "正文说明情况。\n"


@pytest.mark.parametrize("line", ["北京 2022年12月03日", "会场 上午9点", "示例 2022年12月03日 晴"])
def test_a_word_beside_a_date_alone_is_not_a_source_line(line: str) -> None:
    text = f"第一段正文说明情况。\n{line}\n"
    assert clean(text).text == text


@pytest.mark.parametrize(
    "text", ["正文说明情况。（完）\n", "正文說明情況。(完)\n", "正文。【完】\n"]
)
def test_end_mark_is_optional(text: str) -> None:
    assert clean(text).text == text
    assert clean(text, drop=["end-mark"]).text == text[: text.index("。") + 1] + "\n"


@pytest.mark.parametrize(
    "text",
    [
        "這個字有兩個讀音：xíng 和 háng。一個孩子問：「那『行(xíng)不行』呢？」\n",
        "老师教拼音，风(fēng)字是后鼻音。\n",
    ],
)
def test_glosses_in_an_article_about_pronunciation_stay(text: str) -> None:
    assert clean(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "图为市民在公园锻炼。张三 摄今年以来，全市新建公园二十个，市民都很满意。\n",
        "图：市民在公园锻炼。新华社记者 张三 摄今年以来，全市新建公园二十个，市民都很满意。\n",
    ],
)
def test_more_glued_captions(text: str) -> None:
    assert clean(text).text == "今年以来，全市新建公园二十个，市民都很满意。\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("河道整治完工-示例新闻网\n正文。\n", "河道整治完工\n正文。\n"),
        ("A股-港股联动\n正文。\n", "A股-港股联动\n正文。\n"),
        ("中美贸易-新阶段\n正文。\n", "中美贸易-新阶段\n正文。\n"),
    ],
)
def test_a_site_name_after_a_bare_hyphen(text: str, expected: str) -> None:
    assert clean(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("雪后初晴 古镇游人如织（图）\n正文。\n", "雪后初晴 古镇游人如织\n正文。\n"),
        ("正文。\n分享此文章\nFacebook WhatsApp Telegram\n", "正文。\n"),
        ("正文。\n網友評論\n登錄 | 註冊\n", "正文。\n"),
        ("正文。\n圖片：受訪者提供\n按此訂閱電子報\nLike我們的Facebook專頁\n", "正文。\n"),
    ],
)
def test_hong_kong_and_portal_page_lines(text: str, expected: str) -> None:
    assert clean(text).text == expected


@pytest.mark.parametrize("text", ["如下所示（图）。\n", "他说：“见下（图）”\n", "大中小学校\n"])
def test_picture_words_in_sentences_stay(text: str) -> None:
    assert clean(text).text == text


def test_a_markdown_heading_is_not_a_decoration() -> None:
    text = "## 一周来信\n来信很多。\n### 停车问题\n车位不足。\n"
    assert [r for r in clean(text).removals if r.rule == "decoration"] == []
    assert clean("### 标题 ###\n正文。\n").text.startswith("### 标题")
