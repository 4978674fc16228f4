"""Show artwork: check a producer's image, or draw one from the feed title.

Apple refuses a show whose artwork is not a square RGB JPEG/PNG of 1400–3000 px, and some
hosts trust the file extension for the MIME type, so a wrong image is refused here with one
line rather than by a directory weeks later.

The generated cover writes the title in a CJK font when one can be found, first of: the file
named by ``AUDIOBOOK_CJK_FONT``; Noto Sans CJK TC (SIL OFL) from the PyPI package
``cvttf-NotoSansCJK-Regular``, a core dependency, so ``pip install .`` brings it; a system Noto
CJK / WenQuanYi font. Only if all are missing (say, the package was removed) does it write the
title's pinyin, which Pillow's bundled font can draw, rather than boxes. That package is the
one CJK font wheel on PyPI of known origin (27 MB; ``justmytype-intl-cjk`` is 30 MB and smaller
ones bundle fonts of unstated origin).
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from audiobook.errors import ConfigError
from audiobook.publish.store import atomic_write

MIN_PX, MAX_PX = 1400, 3000
GENERATED_PX = 1400
GENERATED_NAME = "cover.jpg"
_EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
_NO_LINE_START = set("，。、；：！？」』）》〉】”’…,.;:!?)")
_SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def check_cover(path: Path) -> str:
    """The extension to publish ``path`` under, or a one-line ConfigError saying what is wrong."""
    try:
        with Image.open(path) as image:
            kind, mode, (width, height) = image.format, image.mode, image.size
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such cover image") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ConfigError(f"{path}: not an image Pillow can read ({exc})") from None
    if kind not in _EXTENSIONS:
        raise ConfigError(f"{path}: cover must be JPEG or PNG, not {kind}")
    if path.suffix.lower() not in _EXTENSIONS[kind]:
        raise ConfigError(
            f"{path}: the file is {kind} but its name ends in {path.suffix or 'nothing'!r}"
        )
    if mode != "RGB":
        raise ConfigError(f"{path}: cover must be RGB (no alpha, palette or CMYK), not {mode}")
    if width != height:
        raise ConfigError(f"{path}: cover must be square, not {width}×{height}")
    if not MIN_PX <= width <= MAX_PX:
        raise ConfigError(f"{path}: cover must be {MIN_PX}–{MAX_PX} px wide, not {width}")
    return _EXTENSIONS[kind][0]


def install_cover(root: Path, source: Path) -> str:
    """Copy a checked cover into the output folder; returns its name there."""
    name = "cover" + check_cover(source)
    atomic_write(root / name, source.read_bytes())
    return name


def stage_cover(source: Path, staging: Path) -> Path:
    """Copy a checked cover into a build's staging folder under the name it will be published
    as (``cover.jpg`` / ``cover.png``), for :func:`audiobook.publish.site.commit` to move in."""
    target = staging / ("cover" + check_cover(source))
    target.write_bytes(source.read_bytes())
    return target


def cjk_font_path() -> str | None:
    """The first CJK-capable font file we can find (see the module docstring for the order)."""
    explicit = os.environ.get("AUDIOBOOK_CJK_FONT")
    if explicit and Path(explicit).is_file():
        return explicit
    try:
        import cvttf_NotoSansCJK_Regular as packaged

        return str(packaged.get_TTF_path())
    except (ImportError, FileNotFoundError):
        pass
    return next((p for p in _SYSTEM_FONTS if Path(p).is_file()), None)


def _font(size: int, path: str | None) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """Greedy wrap by characters (CJK has no spaces) or by words for pinyin."""
    if " " in text and text.isascii():
        words, lines, line = text.split(), [], ""
        for word in words:
            trial = f"{line} {word}".strip()
            if line and font.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        return [*lines, line] if line else lines
    lines, line = [], ""
    for char in text:
        # Closing punctuation never starts a line (the usual CJK line-breaking rule).
        if line and char not in _NO_LINE_START and font.getlength(line + char) > width:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    return [*lines, line] if line else lines


def generate_cover(title: str, author: str = "") -> bytes:
    """A plain, legible 1400 px JPEG: title centred on a colour picked from the title."""
    font_path = cjk_font_path()
    if font_path is None:
        from audiobook.publish.pinyin import lazy_pinyin

        title = " ".join(lazy_pinyin(title)).strip() or "podcast"
        author = " ".join(lazy_pinyin(author)).strip()
    hue = hashlib.sha256(title.encode("utf-8")).digest()
    background = (30 + hue[0] % 60, 50 + hue[1] % 70, 90 + hue[2] % 80)
    size = GENERATED_PX
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    margin = size // 10
    # A waveform band: the show is audio, whatever the title says.
    for i in range(24):
        x = margin + i * (size - 2 * margin) // 24
        bar = 30 + hue[(i + 3) % len(hue)] % 140  # at most 170 px tall
        draw.rectangle((x, size - margin - bar, x + 18, size - margin), fill=(240, 240, 235))
    author_top = size - margin - 170 - 90
    room = author_top - margin - 40
    for font_size in (160, 136, 112, 96, 80, 64, 48):
        font = _font(font_size, font_path)
        lines = _wrap(title, font, size - 2 * margin)
        if len(lines) * round(font_size * 1.3) <= room:
            break
    line_height = round(font_size * 1.3)
    lines = lines[: room // line_height]
    for n, line in enumerate(lines):
        draw.text((margin, margin + n * line_height), line, font=font, fill=(255, 255, 250))
    if author:
        small = _font(56, font_path)
        draw.text((margin, author_top), author, font=small, fill=(225, 225, 215))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()


def ensure_cover(root: Path, title: str, author: str, configured: str) -> str:
    """The cover's name in ``root``: the configured one, or a generated one kept up to date
    with the title (rewritten only when it would change, so re-renders stay cheap)."""
    if configured:
        return configured
    data = generate_cover(title, author)
    target = root / GENERATED_NAME
    if not target.exists() or target.read_bytes() != data:
        atomic_write(target, data)
    return GENERATED_NAME
