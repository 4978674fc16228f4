"""The reading sheet pins what an article will sound like: normalised spans, lexicon
substitutions and the offline voice's polyphone readings (sentences written for this test)."""

from __future__ import annotations

import json
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from audiobook.cli import app
from audiobook.text.polyphones import choices, respell

ARTICLE = "银行行长谈增长\n\n2024年5月1日，六安市气温-3℃，央行行长到重庆调研。\n"


def test_readings_json_pins_an_articles_decisions() -> None:
    result = CliRunner().invoke(app, ["readings", "-", "--json"], input=ARTICLE)
    assert result.exit_code == 0, result.output
    sheet = json.loads(result.stdout)
    body = next(s for s in sheet["sentences"] if "2024" in s["text"])
    assert [(r["source"], r["spoken"], r["rule"]) for r in body["normalised"]] == [
        ("2024年", "二〇二四年", "year"),
        ("5月1日", "五月一日", "date"),
        ("-3℃", "零下三摄氏度", "unit"),
    ]
    assert [(x["word"], x["say"]) for x in body["lexicon"]] == [("六安", "路安")]
    polyphones = {p["word"]: " ".join(p["pinyin"]) for p in body["polyphones"]}
    assert polyphones["行长"] == "hang2 zhang3"
    assert polyphones["重庆"] == "chong2 qing4"
    assert body["spoken"].startswith("二〇二四年五月一日，路安市气温零下三摄氏度")
    title = sheet["sentences"][0]
    assert {p["word"]: " ".join(p["pinyin"]) for p in title["polyphones"]} == {
        "银行": "yin2 hang2",
        "行长": "hang2 zhang3",  # recorded in the lexicon, so found before jieba's 银行行长
        "增长": "zeng1 zhang3",
    }


def test_readings_text_lists_each_decision() -> None:
    result = CliRunner().invoke(app, ["readings", "-"], input=ARTICLE)
    assert result.exit_code == 0, result.output
    assert "read      -3℃ → 零下三摄氏度  [unit]" in result.stdout
    assert "lexicon   六安 → 路安  lu4 an1" in result.stdout
    assert "polyphone 重庆 chong2 qing4" in result.stdout


_NEWSY = st.text(alphabet="行长重庆朝阳调研借调乐队还是都市银行东莞亳州的了在，。1a ", max_size=30)


@settings(deadline=None, max_examples=60)
@given(_NEWSY)
def test_respell_maps_every_told_position_back(text: str) -> None:
    """Word timings come back through ``origin``: one original position per told character
    (and one past the end), never decreasing, never past the text."""
    told, origin = respell(text)
    assert len(origin) == len(told) + 1
    assert all(a <= b for a, b in pairwise(origin))
    assert origin[-1] == len(text)
    # Outside the respelled words, the told text is the text.
    assert told.replace("[[", "").count("]]") == told.count("]]")


@settings(deadline=None, max_examples=60)
@given(_NEWSY)
def test_choices_are_words_of_the_text(text: str) -> None:
    for c in choices(text, check_espeak=False):
        assert text[c.start : c.end] == c.word
        assert len(c.pinyin) == len(c.word)
