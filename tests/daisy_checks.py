"""DAISY 2.02 rules as checks, shared by the unit test and the end-to-end test."""

from __future__ import annotations

import re
from pathlib import Path

from audio_helpers import rms_dbfs
from lxml import etree

from audiobook.audio import decode_file

X = {"x": "http://www.w3.org/1999/xhtml"}
REQUIRED_ONCE = (
    "dc:title", "dc:identifier", "dc:format", "dc:date", "dc:publisher", "ncc:charset",
    "ncc:pageFront", "ncc:pageNormal", "ncc:pageSpecial", "ncc:tocItems", "ncc:totalTime",
    "dc:language", "dc:creator", "ncc:multimediaType",
)  # fmt: skip


def _seconds(value: str) -> float:
    match = re.fullmatch(r"npt=(\d+(?:\.\d+)?)s", value)
    assert match, value
    return float(match.group(1))


def _clock(value: str) -> int:
    h, m, s = (int(p) for p in value.split(":"))
    return h * 3600 + m * 60 + s


def check_fileset(folder: Path, *, speech: bool = True) -> dict[str, object]:
    """Assert the DAISY 2.02 rules; return what was found for further assertions."""
    ncc = etree.parse(str(folder / "ncc.html"))
    metas = ncc.xpath("//x:head/x:meta[@name]", namespaces=X)
    names = [m.get("name") for m in metas]
    for name in REQUIRED_ONCE:
        assert names.count(name) == 1, f"{name} appears {names.count(name)} times"
    meta = {m.get("name"): m.get("content") for m in metas}
    assert meta["dc:format"] == "Daisy 2.02"
    assert meta["dc:language"] == "zh-CN"
    body = ncc.xpath("//x:body", namespaces=X)[0]
    first = body[0]
    assert first.tag == "{http://www.w3.org/1999/xhtml}h1" and first.get("class") == "title"
    headings = body.xpath("x:h1|x:h2|x:h3|x:h4|x:h5|x:h6", namespaces=X)
    assert int(meta["ncc:tocItems"]) == len(headings)
    ids: list[str] = body.xpath("//@id")
    assert len(ids) == len(set(ids))
    smil_total = 0.0
    pcm, rate = decode_file(folder / "audio.mp3")
    audio_len = len(pcm) / 2 / rate
    clips: list[tuple[float, float]] = []
    for heading in headings:
        href = heading.xpath("x:a/@href", namespaces=X)[0]
        file, frag = href.split("#")
        target = etree.parse(str(folder / file))
        assert target.xpath(f"//*[@id='{frag}']"), href
    smil_files = sorted(folder.glob("*.smil"))
    assert smil_files
    for smil_path in smil_files:
        smil = etree.parse(str(smil_path))
        smil_ids = smil.xpath("//@id")
        assert len(smil_ids) == len(set(smil_ids))
        seq = smil.xpath("/smil/body/seq")[0]
        duration = float(seq.get("dur").rstrip("s"))
        parts = 0.0
        for par in seq.xpath("par"):
            text_src = par.xpath("text/@src")[0]
            file, frag = text_src.split("#")
            assert etree.parse(str(folder / file)).xpath(f"//*[@id='{frag}']"), text_src
            audio = par.xpath("audio")[0]
            assert (folder / audio.get("src")).exists()
            begin, end = _seconds(audio.get("clip-begin")), _seconds(audio.get("clip-end"))
            assert 0 <= begin < end <= audio_len + 0.001
            if clips:
                assert begin >= clips[-1][1] - 0.001, "clips out of order"
            clips.append((begin, end))
            parts += end - begin
        assert abs(parts - duration) < 0.01
        smil_total += duration
    assert abs(_clock(meta["ncc:totalTime"]) - smil_total) <= 1
    if speech:
        for begin, end in clips:
            assert rms_dbfs(pcm, rate, begin, end) > -45, f"no speech in {begin:.2f}-{end:.2f}"
    titles = [str(h.xpath("string()")).strip() for h in headings]
    return {"meta": meta, "headings": titles, "clips": clips}
