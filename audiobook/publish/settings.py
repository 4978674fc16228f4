"""The feed's own settings (``feed.json``): what a listener's app shows for the show as a
whole, and the checks a value typed by a user (``feed set``, ``build --base-url``) passes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from audiobook.errors import ConfigError
from audiobook.publish.urls import URL_KEYS, public_url

#: Apple Podcasts' category list (top level → subcategories); apps reject other names.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip


def parse_category(value: str) -> tuple[str, str | None]:
    """``News/Daily News`` → ("News", "Daily News"); names outside Apple's list are refused
    because Apple rejects the whole feed for one unknown category."""
    top, _, sub = (part.strip() for part in value.partition("/"))
    lookup = {name.lower(): name for name in APPLE_CATEGORIES}
    name = lookup.get(top.lower())
    if name is None:
        raise ConfigError(
            f"category {value!r} is not one of Apple's ({', '.join(APPLE_CATEGORIES)}); "
            "a subcategory is written Parent/Sub"
        )
    if not sub:
        return name, None
    subs = {s.lower(): s for s in APPLE_CATEGORIES[name]}
    if sub.lower() not in subs:
        choices = ", ".join(APPLE_CATEGORIES[name]) or "none"
        raise ConfigError(f"{name!r} has no subcategory {sub!r} (it has: {choices})")
    return name, subs[sub.lower()]


@dataclass
class FeedSettings:
    """What a listener's app shows for the show as a whole (``feed.json`` in the output folder).

    ``cover`` names an image file inside the output folder; empty means one is generated from
    the title. ``guid`` pins the Podcasting 2.0 ``podcast:guid`` (empty: derived from the feed
    URL, which needs ``base_url``) so a show that moves host keeps its identity.
    """

    title: str = "Audio editions"
    author: str = "audiobook"
    description: str = "Articles read aloud, produced with audiobook."
    #: The show's web page; empty means the generated index.html under ``base_url``.
    link: str = ""
    language: str = "zh-cn"
    base_url: str = ""
    category: str = "News"
    explicit: bool = False
    cover: str = ""
    email: str = ""
    type: str = "episodic"
    locked: bool = True
    guid: str = ""


#: Keys a user may change with ``audiobook feed set`` (``cover`` goes through the cover check).
SETTING_KEYS = tuple(FeedSettings.__dataclass_fields__)
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def coerce_setting(key: str, value: str) -> object:
    """Turn the text a user typed into a checked setting value (one-line error if wrong)."""
    if key not in SETTING_KEYS:
        raise ConfigError(f"unknown feed setting {key!r} (settings: {', '.join(SETTING_KEYS)})")
    text = value.strip()
    if key in ("explicit", "locked"):
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if key == "category":
        top, sub = parse_category(text)
        return f"{top}/{sub}" if sub else top
    if key == "type" and text not in ("episodic", "serial"):
        raise ConfigError(f"type must be episodic or serial, not {value!r}")
    if key in URL_KEYS:
        return public_url(key, text)
    if key == "language" and not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", text):
        raise ConfigError(f"language must be a code such as zh-cn, not {value!r}")
    if key == "guid" and text:
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise ConfigError(f"guid must be a UUID, not {value!r}") from None
    if key in ("title", "author") and not text:
        raise ConfigError(f"{key} cannot be empty")
    if key == "language":
        return text.lower()
    return text
