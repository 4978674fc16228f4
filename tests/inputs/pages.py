# ruff: noqa: E501
"""Web pages written for the input tests: Chinese news articles inside the furniture real
news sites wrap them in (menus, share bars, captions, comments, related links, scripts)."""

from __future__ import annotations

FURNITURE_WORDS = ("首页", "分享到", "网友评论", "相关新闻", "版权所有", "不要读我", "图为", "责任编辑",
                   "點擊排行", "首頁", "分享至", "圖為", "延伸閱讀")  # fmt: skip

SIMPLIFIED = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>社区图书馆开出“深夜书房” - 新华网</title>
<script>var x = "不要读我";</script><style>.a{{color:red}}</style></head>
<body>
<nav><ul><li><a href="/">首页</a></li><li><a href="/gn">国内</a></li><li><a>国际</a></li></ul></nav>
<div class="share-bar"><a>分享到微博</a><a>分享到微信</a></div>
<article>
<h1>社区图书馆开出“深夜书房”</h1>
<p class="byline">记者 张明</p>
<p>本报讯 近日，城东社区图书馆推出“深夜书房”服务，每天开放到晚上十一点，附近居民下班后也能来看书。开放首周，到馆读者超过两千人次。</p>
<figure><img src="a.jpg"><figcaption>图为读者在深夜书房阅读。记者 李华 摄</figcaption></figure>
<h2>下班后的读书时间</h2>
<p>在一家科技公司工作的王女士说，以前图书馆六点就关门，她只能周末来。现在每周有三四个晚上会在这里读一个小时书。</p>
<p>图书馆馆长介绍，夜间开放由志愿者和工作人员轮流值守，所需经费由街道和区文化部门共同承担。</p>
<h2>更多服务在路上</h2>
<p><strong>自助借还</strong></p>
<p>下一步，图书馆计划增加自助借还设备，并开设亲子阅读角，让更多家庭把阅读变成日常。</p>
<div class="share"><span>分享到：</span><a>微信</a><a>微博</a></div>
</article>
<div class="comments"><h3>网友评论</h3><p>这个好，点赞！支持社区图书馆的做法。</p></div>
<aside class="related"><h3>相关新闻</h3><ul><li><a>市图书馆延长开放时间，读者点赞</a></li></ul></aside>
<footer>版权所有 新华网 京ICP备12345号</footer>
</body></html>
"""

TRADITIONAL = """<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>偏鄉小學的電腦課 | 地方新聞</title></head>
<body>
<div id="header"><ul class="menu"><li>首頁</li><li>政治</li><li>社會</li><li>地方</li></ul></div>
<div class="social-share">分享至 Facebook　分享至 LINE</div>
<div class="main">
<h1>偏鄉小學的電腦課</h1>
<div class="author">記者 陳美玲</div>
<p>山上的小學只有六十個學生，去年起每週有兩堂電腦課，由大學生志工輪流上山授課。</p>
<div class="photo"><img src="p.jpg"><p class="caption">圖為學生在教室上課。</p></div>
<h3>志工輪流上山</h3>
<p>志工團隊說，每次上山要開三個小時的車，但看到孩子們第一次做出自己的網頁，大家都覺得值得。</p>
<p>校長表示，希望明年能增加程式設計的課程，讓孩子們和城市的學生有一樣的機會。</p>
</div>
<div class="sidebar"><h4>點擊排行</h4><ol><li>颱風明天登陸</li><li>油價下週調漲</li></ol></div>
<div class="more-news"><h4>延伸閱讀</h4><a>另一所學校的故事，讓人感動不已</a></div>
</body></html>
"""


def simplified(charset: str = "utf-8") -> bytes:
    """The Simplified page in ``charset`` (declared in its ``<meta charset>``)."""
    return SIMPLIFIED.format(charset=charset).encode(charset)


def traditional(charset: str = "big5") -> bytes:
    """The Traditional page in ``charset`` (declared in an http-equiv ``<meta>``)."""
    return TRADITIONAL.format(charset=charset).encode(charset)


#: A CMS page: no semantic tags, captions as centred paragraphs after the picture, bold
#: question lead-ins, the byline inside an info line, GBK declared by http-equiv.
CMS = """<!DOCTYPE html><html lang="zh-CN"><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>我市启动老旧小区加装电梯试点_滨江日报_滨江新闻网</title>
<meta property="og:title" content="我市启动老旧小区加装电梯试点">
<link rel="stylesheet" href="a.css"><script src="x.js"></script></head>
<body>
<div class="top"><a href="/">滨江新闻网</a> | <a>登录</a> | <a>注册</a> | <a>手机版</a></div>
<div class="crumb">您当前的位置：<a>首页</a> &gt; <a>滨江要闻</a> &gt; 正文</div>
<div class="wrap">
 <div class="left">
  <h1 class="title">我市启动老旧小区加装电梯试点</h1>
  <div class="info">2026-12-01 08:30 来源：滨江日报 作者：刘洋 <span>字号：大 中 小</span></div>
  <div id="content">
   <p style="text-indent:2em">记者从市住建局获悉，我市日前启动老旧小区加装电梯试点工作，首批确定十二个小区，计划明年六月前全部完工。</p>
   <p style="text-indent:2em">据介绍，试点小区均为二〇〇〇年以前建成的多层住宅，老年住户比例较高，居民加装电梯意愿强烈。</p>
   <p style="text-align:center"><img src="1.jpg"></p>
   <p style="text-align:center">工作人员在小区现场勘查。 滨江日报记者 孙立 摄</p>
   <p style="text-indent:2em"><strong>资金怎么出？</strong></p>
   <p style="text-indent:2em">按照方案，每部电梯财政补贴二十万元，其余费用由业主按楼层分摊，低楼层住户少出或不出。</p>
   <p style="text-indent:2em"><strong>谁来管维护？</strong></p>
   <p style="text-indent:2em">电梯建成后由专业公司统一维保，维保费用纳入物业服务内容，住建部门将定期开展安全检查。</p>
   <p style="text-align:right">（责任编辑：赵敏）</p>
  </div>
  <div class="pages">上一篇：<a>我市新增公交线路三条</a> 下一篇：<a>冬季供暖今日启动</a></div>
  <div class="bdsharebuttonbox"><a class="bds_weixin">微信</a><a class="bds_tsina">新浪微博</a></div>
  <div class="pl"><div class="pl-title">网友评论</div><ul><li>楼上的邻居终于不用爬楼了，好事！</li></ul></div>
 </div>
 <div class="right"><div class="box"><h3>热点排行</h3><ul><li><a>全市中小学明起放寒假</a></li><li><a>地铁三号线年底通车</a></li></ul></div></div>
</div>
<div class="foot">主办：滨江日报社 版权所有 未经授权禁止转载 浙ICP备00000000号</div>
</body></html>
"""


def cms(charset: str = "gbk") -> bytes:
    """The CMS page in ``charset``."""
    return CMS.replace("{charset}", charset).encode(charset)


#: An old CMS page: no charset declared, paragraphs as text between <br>s after the <h1>.
BREAKS = """<html><head><title>台北捷運新線通車</title></head><body>
<div class="menu">首頁 | 新聞 | 體育</div>
<div id="content"><h1>台北捷運新線通車</h1>
　　台北捷運環狀線北段今天正式通車，沿線居民多了一個通勤選擇。<br><br>
　　捷運公司表示，通車首月票價打八折，希望吸引更多民眾搭乘。<br><br>
　　有通勤族說，以前轉車要四十分鐘，現在二十分鐘就能到公司。<br>
</div><div class="copyright">版權所有 轉載必究</div></body></html>
"""


def breaks(charset: str = "big5") -> bytes:
    """The <br> page in ``charset`` (undeclared: detected)."""
    return BREAKS.encode(charset)
