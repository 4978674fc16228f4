"""Scraped-looking pages (written for these tests) through clean -> convert -> structure ->
script: the listener hears the headline, the byline, the dateline, the section headings and
every body paragraph, and none of the page's junk."""

from __future__ import annotations

import pytest

from audiobook.text.clean import clean
from audiobook.text.convert import convert
from audiobook.text.script import script
from audiobook.text.structure import structure
from tests.text.conftest import FIXTURES

SCRAPED = FIXTURES / "scraped"

#: page -> (headline, byline, what must be heard, what must not be heard); Simplified.
EXPECTED: dict[str, tuple[str, str | None, list[str], list[str]]] = {
    "01-wire-hans.txt": (
        "河滨绿道全线贯通 市民骑行多了好去处",
        "记者 周一帆",
        ["新华社杭州4月11日电", "一、从断头路到环线", "二、驿站里有热水也有书", "钱女士说",
         "便民维修服务", "下一步，当地还将"],
        ["首页", "示例新闻网", "字号", "分享到", "骑行爱好者在新贯通", "借阅图书。新华社",
         "吴小满", "纠错", "相关新闻", "城东公园", "摄"],
    ),
    "02-local-hant.txt": (
        "社区食堂开张　长者午餐有着落",
        "记者 林雨晴／台中报导",
        ["台中市一处社区食堂", "黄先生说", "志工轮班掌厨", "志工陈小姐表示"],
        ["示例日报", "★", "发布时间", "点击", "长者在社区食堂用餐", "放大图片", "娱乐城",
         "百家乐", "延伸阅读", "长照据点", "银发族"],
    ),
    "03-spam-hans.txt": (
        "社区图书馆延长开放时间",
        "作者：郑晓岚",
        ["本报讯（记者 郑晓岚）从本月起", "方便上班族", "亲子阅读区", "大学生小冯说"],
        ["*", "日期", "点击", "示例晚报", "时时彩", "新葡京", "资料图", "扫码", "幸运飞艇"],
    ),
    "04-market-hans.txt": (
        "菜市场装上智能秤 缺斤短两一查便知",
        "记者 孙立 实习生 何小雨",
        ["本报讯（记者 孙立", "市场监管部门介绍", "王阿姨说", "一看就明白"],
        ["示例网", "新闻中心", "07:12", "原标题", "陈默", "关键词", "我要反馈", "保存网页"],
    ),
    "05-typhoon-hant.txt": (
        "台风过后 志工协助老街清淤",
        "记者王家豪／花莲报导",
        ["〔记者王家豪／花莲报导〕台风带来豪雨", "张老板说", "清洁车协助载运垃圾"],
        ["首页", "2023", "中央社", "相关新闻", "振兴券", "APP", "活动办法"],
    ),
    "06-elevator-hans.txt": (
        "【社会】老旧小区加装电梯 居民“上下楼”不再难",
        "作者：胡晓彤",
        ["【导读】今年以来", "李大爷笑着说", "自愿不参与分摊", "十几次协调会。",
         "引入社会资本参与"],
        ["示例新闻网", "阅读：", "图片", "百家乐", "赵一鸣", "举报", "葡京", "赌场", "彩票"],
    ),
    "07-trees-hans.txt": (
        "秋季植树正当时 多地市民参与义务植树",
        "记者 冯晓东",
        ["央视网消息（记者 冯晓东）：本月起", "成活率比春季还要高", "一位家长说"],
        ["宋雨", "来源", "转载"],
    ),
    "08-hakka-hant.txt": (
        "学童认识客家话 「食饭(sṳ̍t-fan)」大家说",
        "记者／曾美玲",
        ["桃园市一所国小", "这是最好的回馈", "会唱三首了"],
        ["2024", "更多新闻"],
    ),
    "09-railway-hant.txt": (
        "【热门】港铁新线试车 市民排队抢搭头班车",
        "撰文：陈子轩",
        ["清晨五时已到车站排队", "头班车我都会来", "缩短约十五分钟"],
        ["月台等候", "相关文章", "票价", "楼盘", "延伸阅读"],
    ),
    "10-night-school-hans.txt": (
        "小镇的夜校又亮灯了",
        "实习生 何晴 记者 程立",
        ["当晚七点", "有滋有味", "二十元材料费。", "下班后也来上课"],
        ["发布时间", "浏览", "示例日报", "百家乐", "真人", "APP"],
    ),
    "11-noodles-hant.txt": (
        "阿嬷的灶脚 传承三代的古早味",
        None,
        ["面摊开了六十多年", "传承六十年", "客人多是老主顾", "吃的是回忆", "挂着阿嬷的照片。"],
        ["示例日报", "生活", "05:45", "读者提供", "张三", "翻摄", "看更多"],
    ),
    "12-summer-class-hans.txt": (
        "“小候鸟”暑期托管班开班了",
        None,
        ["学习书法。", "暑假期间，不少在城里务工", "兴趣课程", "一位家长说"],
        ["08:03", "示例晚报", "李华", "王小明"],
    ),
    "13-factory-hans.txt": (
        "老旧厂房变身文创园 年轻人在这里创业",
        "记者张晓明",
        ["人民网上海3月2日电 （记者张晓明）", "留住了城市记忆", "人气很旺"],
        ["蓝字", "关注", "↓", "微信公众号", "原文链接", "原题", "声明"],
    ),
    "14-meals-hant.txt": (
        "独居长者「一餐吃三天」 社工送餐到府",
        "记者陈美华／高雄报导",
        ["一个便当分三天吃", "不想麻烦别人", "中午的敲门声"],
        ["ETtoday", "11:20", "►", "点我看更多", "年菜"],
    ),
    "15-vegetables-hans.txt": (
        "“菜篮子”稳价保供 这个冬天不缺菜",
        None,
        ["【示例新闻网讯】入冬以来", "两千多亩", "刘大妈说", "供应充足"],
        ["10:12", "来源", "分享", "相关阅读", "查看更多"],
    ),
    "16-beach-hant.txt": (
        "【独家】屋邨街坊自发清理海滩 两年捡走三吨垃圾",
        "撰文：李思敏　摄影：张志强",
        ["一群住在同一屋邨的街坊", "好开心", "治本之道"],
        ["2021", "分享", "Facebook", "WhatsApp", "受访者提供", "订阅", "专页", "相关报道", "胶粒"],
    ),
    "17-snow-hans.txt": (
        "雪后初晴 古镇游人如织",
        None,
        ["核心提示", "【示例网讯】雪后初晴", "防滑垫", "水墨画"],
        ["（图）", "15:08", "徐亮", "网友评论", "登录", "注册", "发表评论"],
    ),
}  # fmt: skip


SUBHEADS = {"传承六十年", "客人多是老主顾"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_listener_hears_the_article_and_no_junk(name: str) -> None:
    headline, byline, heard, unheard = EXPECTED[name]
    raw = (SCRAPED / name).read_text("utf-8")
    article = structure(convert(clean(raw).text))
    assert article.title == headline
    assert article.byline == byline
    said = "\n".join(s.display_text for s in script(article, normalise=False, max_chars=500))
    assert said.startswith(headline)
    assert byline is None or byline in said
    for text in heard:
        assert text in said, text
    for text in unheard:
        assert text not in said, text
    # Section headings are chapters; nothing else is.
    headings = [s.title for s in article.sections[1:]]
    assert all(h[:2] in ("一、", "二、") or h in SUBHEADS for h in headings)


def _heard(raw: str) -> tuple[str, str | None]:
    article = structure(convert(clean(raw).text))
    said = "".join(s.display_text for s in script(article, normalise=False, max_chars=500))
    return convert("".join(c for c in said if c.isalnum()), "t2s"), article.byline


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_other_script_is_heard_the_same(name: str) -> None:
    import opencc

    raw = (SCRAPED / name).read_text("utf-8")
    other = opencc.OpenCC("t2s" if "hant" in name else "s2t").convert(raw)
    assert _heard(other) == _heard(raw)
