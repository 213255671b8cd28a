"""How long a post may be on X and Facebook, counted the way each network counts
(the specs, `channels/specs.py`, read these).

- X: 280 weighted characters (twitter-text v3 rules, developer.x.com "Counting characters"):
  code points U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and U+2032-U+2037 count 1, any
  other counts 2, every URL counts 23, and an emoji sequence counts 2 however many code
  points it has. Text is NFC-normalised first.
- Facebook: 63,206 characters for a Page post's message.

`twitter-text-parser` implements the X rules; it is exact but slow (about 2 ms a text, mostly
its emoji regex), so texts without multi-code-point emoji or © ® are counted here with the
same rules and only the others go through it (tests check both agree).
"""

from __future__ import annotations

import re
import unicodedata

X_LIMIT = 280
FACEBOOK_LIMIT = 63_206
INSTAGRAM_LIMIT = 2_200
"""Instagram: a caption of at most 2,200 characters (Content Publishing reference)."""
INSTAGRAM_HASHTAGS = 30
INSTAGRAM_MENTIONS = 20
"""IG User Media, `caption`: "Maximum 2200 characters, 30 hashtags, and 20 @ tags"."""
URL_WEIGHT = 23

# Code points that count 2 on X: everything outside the light ranges.
_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
# Where the emoji rule can give another count than code point weights: sequences joined
# or modified (ZWJ, variation selectors, keycaps, skin tones, flags, tags) and © ®.
_EMOJI_SEQUENCE_PARTS = re.compile(
    "[\u00a9\u00ae\u200d\u20e3\ufe0e\ufe0f\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff"
    "\U000e0020-\U000e007f]"
)
# Only something shaped like a domain can hold a URL, and a URL never holds white space:
# the URL regex runs on those words alone, not on the whole text (ten times faster).
_MAY_HOLD_URL = re.compile(r"\.[^\W\d_]|://")
_WORD = re.compile(r"\S+")


def x_weighted_length(text: str) -> int:
    """The length X gives this text, the way X counts it."""
    if _EMOJI_SEQUENCE_PARTS.search(text):
        from twitter_text import parse_tweet  # compiles a large emoji regex: only when needed

        return parse_tweet(text).weightedLength
    normalised = re.sub(r"\r\n|\r", "\n", unicodedata.normalize("NFC", text))
    total, position = 0, 0
    for start, end in _url_spans(normalised):
        total += _weight(normalised[position:start]) + URL_WEIGHT
        position = end
    return total + _weight(normalised[position:])


def _url_spans(text: str) -> list[tuple[int, int]]:
    if not _MAY_HOLD_URL.search(text):
        return []
    from twitter_text.extract_urls import extract_urls_with_indices

    spans = []
    for word in _WORD.finditer(text):
        if "://" in word.group() and not word.group().startswith(("http://", "https://")):
            # A link glued to other text: only the whole text gives the same answer as X.
            return [tuple(url["indices"]) for url in extract_urls_with_indices(text)]
        if _MAY_HOLD_URL.search(word.group()):
            # The character before the word decides whether a bare domain counts: keep it.
            offset = max(word.start() - 1, 0)
            for url in extract_urls_with_indices(text[offset : word.end()]):
                start, end = url["indices"]
                spans.append((offset + start, offset + end))
    return spans


def _weight(segment: str) -> int:
    if not segment or max(segment) <= "\u10ff":  # the usual case: every code point counts 1
        return len(segment)
    return len(segment) + len(_HEAVY.findall(segment))


def _word_character(character: str) -> bool:
    return character.isalnum() or character == "_"


def _handle_character(character: str) -> bool:
    """What an Instagram username is made of: ASCII letters, digits, «.» and «_»."""
    return (character.isascii() and character.isalnum()) or character in "._"


def count_tags(text: str) -> tuple[int, int]:
    """How many hashtags (#agua) and @mentions (@acueducto) a caption has, in one pass.

    A tag starts after a space, punctuation or the start of the text (so «C#», «nro#2» and
    an e-mail address's «@» are no tags) and has at least one character after its sign.
    Linear in the text's length, whatever it holds (no regex backtracking).
    """
    hashtags = mentions = 0
    previous = ""
    for index, character in enumerate(text):
        if character in "#@" and not (
            previous and (_word_character(previous) or previous in "#@&.")
        ):
            following = text[index + 1 : index + 2]
            if character == "#" and following and _word_character(following):
                hashtags += 1
            elif (
                character == "@" and following and _handle_character(following) and following != "."
            ):
                mentions += 1
        previous = character
    return hashtags, mentions
