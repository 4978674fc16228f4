from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.text.clean import clean
from audiobook.text.convert import convert
from audiobook.text.structure import LEAD_TITLE, NOTE_TITLE, structure
from tests.text.conftest import FIXTURES


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_structure_never_raises(text: str) -> None:
    article = structure(text)
    assert article.sections


@pytest.mark.slow
def test_seed_sections(seed_text: str) -> None:
    article = structure(convert(clean(seed_text).text))
    assert article.byline == "国民日报记者 翟钦奇 毕京津 窦皓"
    titles = [s.title for s in article.sections]
    assert titles[0] == NOTE_TITLE
    assert titles[1].startswith("迎检不需求做录像和PPT后——社区干部")
    assert len(titles) == 4
    assert article.sections[0].paragraphs[-1] == "——编者"


def test_title_byline_and_lead() -> None:
    article = structure(convert((FIXTURES / "news" / "01-water.txt").read_text("utf-8")))
    assert article.title == "山区小镇用上稳定自来水"
    assert article.byline == "本报记者 林晓岚"
    assert article.sections[0].title == article.title
    assert len(article.sections) == 1


def test_numbered_headings() -> None:
    article = structure((FIXTURES / "news" / "11-port.txt").read_text("utf-8"))
    assert [s.title for s in article.sections] == [
        "一、无纸化通关节省时间",
        "二、数据共享减少重复申报",
        "三、绿色码头降低能耗",
    ]


def test_markdown_and_untitled_lead() -> None:
    article = structure("导语一段。\n## 第一部分\n正文。\n## 第二部分\n正文二。")
    assert [s.title for s in article.sections] == [LEAD_TITLE, "第一部分", "第二部分"]
    assert article.title is None


def test_short_question_is_not_a_heading() -> None:
    article = structure("第一段说明情况。\n后果怎么样?\n第二段给出答案。")
    assert len(article.sections) == 1


def test_book_headings_keep_their_levels() -> None:
    book = (
        "# 长篇测试书\n前言一段。\n## 第1章 出发\n正文。\n### 第一节\n正文。\n"
        "### 第二节\n正文。\n## 第2章\n正文。\n"
    )
    article = structure(book)
    assert article.title == "长篇测试书"
    assert [(s.title, s.level) for s in article.sections] == [
        ("长篇测试书", 1), ("第1章 出发", 1), ("第一节", 2), ("第二节", 2), ("第2章", 1),
    ]  # fmt: skip


def test_plain_text_book_divisions() -> None:
    book = "山海记\n第一卷 山\n第一章\n他走了。\n第二节 夜\n天黑了。\n第一百零二章 风起\n风起了。"
    article = structure(book)
    assert article.title == "山海记"
    assert [(s.title, s.level) for s in article.sections] == [
        ("第一卷 山", 1), ("第一章", 2), ("第二节 夜", 3), ("第一百零二章 风起", 2),
    ]  # fmt: skip


def test_a_book_may_open_on_its_first_chapter() -> None:
    article = structure("第12章 风起\n他走了。\n第13章 雨落\n下雨了。")
    assert article.title is None
    assert [s.title for s in article.sections] == ["第12章 风起", "第13章 雨落"]


def test_a_division_is_one_level_with_or_without_a_space() -> None:
    book = "山海记\n第一卷山\n第一章风起\n他走了。\n第二章 雨落\n下雨了。\n第三章：晴\n晴了。"
    article = structure(book)
    assert [(s.title, s.level) for s in article.sections] == [
        ("第一卷山", 1), ("第一章风起", 2), ("第二章 雨落", 2), ("第三章：晴", 2),
    ]  # fmt: skip


def test_ordinary_words_after_a_number_are_not_divisions() -> None:
    text = "导语。\n第三回合比分胶着\n正文。\n第一节课没有上完\n正文。\n第二篇文章更短\n正文。"
    assert [s.title for s in structure(text).sections] == ["导语"]
    parts = structure("导语。\n第一部分 总体要求\n正文。\n第二部分：措施\n正文。")
    assert [(s.title, s.level) for s in parts.sections] == [
        ("导语", 1), ("第一部分 总体要求", 1), ("第二部分：措施", 1),
    ]  # fmt: skip


def test_news_headings_stay_top_level() -> None:
    article = structure((FIXTURES / "news" / "11-port.txt").read_text("utf-8"))
    assert {s.level for s in article.sections} == {1}
    nested = structure("导语。\n一、总体\n正文。\n（一）细节\n正文。\n二、其他\n正文。")
    assert [s.level for s in nested.sections] == [1, 1, 2, 1]


@pytest.mark.parametrize(
    ("first", "byline"),
    [
        ("本报讯（记者 王某）今年以来，市里新增公园二十个。", "记者 王某"),
        ("本報訊（記者王某）今年以來，市裡新增公園二十個。", "记者王某"),
        ("【本報駐北京記者張三電】今年以來，市裡新增公園二十個。", "本报驻北京记者张三电"),
        ("新华社北京1月5日电（记者 张三）今年以来，市里新增公园二十个。", "记者 张三"),
        ("(記者 李四／台北報導)", "记者 李四／台北报导"),
        ("中新网上海5月3日电 今年以来，市里新增公园二十个。", None),
        ("本报讯 今年以来，市里新增公园二十个。", None),
    ],
)
def test_datelines_stay_in_the_text_and_bylines_are_found(first: str, byline: str | None) -> None:
    text = (
        f"公园新增健身器材\n{first}\n第二段说明情况。\n一、总体要求\n正文。\n二、具体措施\n正文。\n"
    )
    article = structure(convert(text))
    assert article.title == "公园新增健身器材"
    assert article.byline == byline
    assert article.sections[0].paragraphs[0] == convert(first)
    assert [s.title for s in article.sections] == [
        "公园新增健身器材",
        "一、总体要求",
        "二、具体措施",
    ]


@pytest.mark.parametrize(
    "first", ["新华社北京1月5日电", "本报讯", "中新社北京六月二十五日电", "(記者 李四／台北報導)"]
)
def test_a_dateline_or_byline_line_is_never_a_title(first: str) -> None:
    article = structure(convert(f"{first}\n今年以来，市里新增公园二十个。\n第二段。\n"))
    assert article.title is None
    assert all(s.title != convert(first) for s in article.sections)


_LONG_1 = "社区食堂昨天开张，每天中午为长者提供平价午餐，一餐只要五十元。"
_LONG_2 = "志工轮班掌厨，菜色每天更换，兼顾软烂好咀嚼与营养均衡，很受欢迎。"


def test_short_unpunctuated_lines_between_paragraphs_are_headings() -> None:
    text = f"社区食堂开张\n{_LONG_1}\n独居长者有饭吃\n{_LONG_2}\n志工轮班掌厨\n{_LONG_1}\n"
    article = structure(text)
    assert [s.title for s in article.sections] == ["社区食堂开张", "独居长者有饭吃", "志工轮班掌厨"]


@pytest.mark.parametrize(
    "line",
    ["后果怎么样?", "胡德华：", "“好吃！”", "记者 王某", "本报讯", "他说，好", "图为长者用餐"],
)
def test_a_lone_short_line_or_a_label_is_not_a_heading(line: str) -> None:
    lone = structure(f"社区食堂开张\n{_LONG_1}\n独居长者有饭吃\n{_LONG_2}\n")
    assert len(lone.sections) == 1
    text = f"社区食堂开张\n{_LONG_1}\n{line}\n{_LONG_2}\n{line}\n{_LONG_1}\n"
    assert len(structure(text).sections) == 1


def test_a_credit_on_the_last_line_is_not_a_heading() -> None:
    text = f"社区食堂开张\n{_LONG_1}\n独居长者有饭吃\n{_LONG_2}\n协力：特约记者王某\n"
    assert len(structure(text).sections) == 1


def test_a_byline_in_tortoise_shell_brackets() -> None:
    article = structure(convert("老街清淤\n〔記者王家豪／花蓮報導〕颱風帶來豪雨。\n第二段。\n"))
    assert article.byline == "记者王家豪／花莲报导"
    assert article.sections[0].paragraphs[0].startswith("〔记者王家豪")


def test_a_news_site_dateline_and_a_closing_byline() -> None:
    article = structure("植树\n央视网消息（记者 冯晓东）：本月起开始植树。\n第二段。\n")
    assert article.byline == "记者 冯晓东"
    closing = structure("夜校亮灯\n第一段正文。\n第二段正文。\n（实习生 何晴 记者 程立）\n")
    assert closing.byline == "实习生 何晴 记者 程立"
    assert closing.sections[0].paragraphs == ("第一段正文。", "第二段正文。")


def test_a_headline_may_end_in_a_closing_quote() -> None:
    article = structure("秋收时节 农机手忙“抢收”\n本报记者 方远\n眼下正值秋收。\n第二段。\n")
    assert article.title == "秋收时节 农机手忙“抢收”"
    assert article.byline == "本报记者 方远"
    quoted = structure("“好吃！”\n第一段正文说明。\n")
    assert quoted.title is None


def test_a_taiwanese_byline_line() -> None:
    article = structure(convert("送餐到府\n記者陳美華／高雄報導\n高雄一名長者。\n第二段。\n"))
    assert article.byline == "记者陈美华／高雄报导"
    assert article.sections[0].paragraphs[0] == "高雄一名长者。"


def test_a_byline_after_a_subtitle() -> None:
    text = (
        "秋收时节 农机手忙\n——来自粮食主产区的观察\n本报讯（记者 方远）眼下正值秋收。\n第二段。\n"
    )
    article = structure(text)
    assert article.byline == "记者 方远"
    assert article.sections[0].paragraphs[0] == "——来自粮食主产区的观察"


def test_a_book_with_chapters_keeps_to_its_own_headings() -> None:
    book = (
        "山海记\n第一章 出发\n他走了很远的路，天黑才到。\n入夜时分\n"
        "他在客栈住下，听见窗外有雨。\n雨中客栈\n第二天雨还在下，他没有走。\n"
    )
    assert [s.title for s in structure(book).sections] == ["第一章 出发"]


def test_a_writer_and_photographer_byline() -> None:
    article = structure("清理海灘\n撰文：李思敏　攝影：張志強\n一群街坊清理海灘。\n第二段。\n")
    assert article.byline == "撰文：李思敏　攝影：張志強"
