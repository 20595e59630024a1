"""Text and URL normalisation, so that the same message or link written differently matches.

Text (``normalise_text`` for one string, ``normalise_batch`` vectorised for many):

1. Unicode NFKC (full-width letters, ligatures and compatibility forms become plain letters);
2. web links and ``@mentions`` are removed (links are compared separately, as URLs);
3. case folding (``str.casefold``);
4. Serbian Cyrillic to Latin transliteration (``ж`` -> ``ž``, ``љ`` -> ``lj``, ``џ`` -> ``dž`` ...,
   plus the few other Cyrillic letters used in the region: ``я`` -> ``ja`` ...);
5. diacritic folding (``č ć`` -> ``c``, ``ž`` -> ``z``, ``š`` -> ``s``, ``đ`` -> ``dj``,
   Albanian ``ë`` -> ``e``, ``ç`` -> ``c``);
6. everything that is not a letter or digit becomes a space; runs of spaces collapse.

So ``"Влада ЛАЖЕ!"``, ``"Vlada laže"`` and ``"vlada laze"`` all normalise to ``"vlada laze"``.
Steps 3-6 are one lookup table per code point, applied to a whole batch with numpy.

URLs (``normalise_url``) become a scheme-less canonical key ``host/path?query``: lower-case host
without ``www.``/``m.``/``mobile.``/``amp.``, no default port, no fragment, no tracking
parameters (``utm_*``, ``fbclid``, ``gclid`` ...), remaining parameters sorted, no trailing
slash. Link shorteners are *unshortened by pattern only, never over the network*:

- where the target is written inside the link, it is decoded: ``youtu.be/ID`` and
  ``youtube.com/shorts/ID`` become ``youtube.com/watch?v=ID``; redirect wrappers such as
  ``l.facebook.com/l.php?u=TARGET`` or ``google.com/url?q=TARGET`` become ``TARGET``;
  ``redd.it/ID`` becomes ``reddit.com/comments/ID``; ``x.com`` is ``twitter.com``;
- where the target is hidden behind a key (``bit.ly/3xYz``, ``t.co/AbC``, ``tinyurl.com/k``),
  the link is reduced to its canonical *path key* ``bit.ly/3xYz`` (aliases such as ``j.mp`` and
  ``bitly.com`` fold into ``bit.ly``; query, fragment, scheme and case of the host are dropped;
  the key keeps its case because shortener keys are case-sensitive). Two posts with the same
  short link therefore share one object, but a short link and its unknown long target do not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import numpy as np
import numpy.typing as npt

__all__ = [
    "NormalisedBatch",
    "fold_diacritics",
    "normalise_batch",
    "normalise_text",
    "normalise_url",
    "transliterate_serbian",
]

_SERBIAN_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "č", "џ": "dž", "ш": "š",
}  # fmt: skip
_OTHER_CYRILLIC = {
    "я": "ja", "ю": "ju", "ё": "jo", "й": "j", "ы": "y", "э": "e", "щ": "šč", "ъ": "", "ь": "",
    "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "є": "je", "і": "i", "ї": "ji",
}  # fmt: skip
_FOLD_SPECIAL = {
    "đ": "dj", "Đ": "Dj", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE",
    "œ": "oe", "Œ": "OE", "ß": "ss", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i",
}  # fmt: skip
_WIDTH = 3  # a code point maps to at most this many output code points
_TABLE_LIMIT = 0x3000  # below: full table; above: letters kept, symbols and emoji to space
_SPACE = 0x20
_SCHEME_LINK = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://\S+")
_WWW_LINK = re.compile(r"[Ww][Ww][Ww]\.\S+")
_MENTION = re.compile(r"@\w+")
_SEPARATOR = "\x01"  # joins texts of a batch; maps to itself
_SEP_CODE = 1


def _title(latin: str) -> str:
    return latin[:1].upper() + latin[1:]


@cache
def _translit_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cyr, lat in (_SERBIAN_CYRILLIC | _OTHER_CYRILLIC).items():
        table[ord(cyr)] = lat
        table[ord(cyr.upper())] = _title(lat)
    return table


@cache
def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(k): v for k, v in _FOLD_SPECIAL.items()}
    for cp in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base and cp not in table:
            table[cp] = base
    for cp in range(0x300, 0x370):  # combining diacritical marks
        table[cp] = None
    return table


def transliterate_serbian(text: str) -> str:
    """Serbian Cyrillic to Serbian Latin (gaj's alphabet), keeping case: ``Љубав`` -> ``Ljubav``."""
    return text.translate(_translit_table())


def fold_diacritics(text: str) -> str:
    """Remove diacritics from Latin letters: ``čćđšž ë ç`` -> ``c c dj s z e c``."""
    return text.translate(_fold_table())


def _map_char(ch: str) -> str:
    folded = fold_diacritics(transliterate_serbian(ch.casefold())).casefold()
    return "".join(c if c.isalnum() else " " for c in folded)[:_WIDTH]


@cache
def _code_point_table() -> npt.NDArray[np.uint32]:
    """``table[k, cp]`` is the k-th output code point for input ``cp`` (0 = nothing).

    Row 0 of column ``_TABLE_LIMIT`` stands for every code point at or above the limit.
    """
    table = np.zeros((_WIDTH, _TABLE_LIMIT + 1), dtype=np.uint32)
    for cp in range(_TABLE_LIMIT):
        for k, ch in enumerate(_map_char(chr(cp))):
            table[k, cp] = ord(ch)
    table[:, _SEP_CODE] = (_SEP_CODE, 0, 0)
    return table


@cache
def _special_table() -> npt.NDArray[np.uint8]:
    """Non-zero where a code point is not a plain one-to-one mapping."""
    table = _code_point_table()
    special = (table[0] == 0) | (table[1] != 0)
    special[_TABLE_LIMIT] = True
    return np.asarray(special, dtype=np.uint8)


@cache
def _bmp_is_alnum() -> npt.NDArray[np.bool_]:
    return np.array([chr(cp).isalnum() for cp in range(0x10000)], dtype=np.bool_)


@dataclass(frozen=True, slots=True)
class NormalisedBatch:
    """Normalised texts as one array of code points; text ``i`` is
    ``codepoints[offsets[i]:offsets[i + 1]]``."""

    codepoints: npt.NDArray[np.uint32]
    offsets: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def text(self, i: int) -> str:
        chunk = self.codepoints[self.offsets[i] : self.offsets[i + 1]]
        return chunk.astype("<u4").tobytes().decode("utf-32-le")

    def lengths(self) -> npt.NDArray[np.int64]:
        return np.diff(self.offsets)


def _prepare(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "://" in text:
        text = _SCHEME_LINK.sub(" ", text)
    if "www." in text:
        text = _WWW_LINK.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if _SEPARATOR in text:
        text = text.replace(_SEPARATOR, " ")
    return text


def _map_code_points(cps: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Map input code points to output code points (up to three per input, zeros dropped)."""
    index = np.minimum(cps, _TABLE_LIMIT).astype(np.intp)
    table = _code_point_table()
    out = np.take(table[0], index)
    special = np.flatnonzero(np.take(_special_table(), index))
    if not len(special):
        return out
    high = special[index[special] == _TABLE_LIMIT]
    if len(high):
        hcp = cps[high]
        alnum = np.where(hcp < 0x10000, _bmp_is_alnum()[np.minimum(hcp, 0xFFFF)], hcp >= 0x20000)
        out[high] = np.where(alnum, hcp, _SPACE)
        special = special[index[special] != _TABLE_LIMIT]
    positions, values = [], []
    for row in (1, 2):
        extra = special[table[row][index[special]] != 0]
        positions.append(extra + 1)
        values.append(table[row][index[extra]])
    at = np.concatenate(positions)
    if len(at):
        order = np.argsort(at, kind="stable")
        out = np.insert(out, at[order], np.concatenate(values)[order])
    result: npt.NDArray[np.uint32] = out[out != 0]
    return result


def normalise_batch(texts: Sequence[str]) -> NormalisedBatch:
    """Normalise many texts at once (see the module docstring for the steps)."""
    joined = _SEPARATOR.join(_prepare(t) for t in texts)
    raw = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    flat = _map_code_points(raw)
    is_space = flat == _SPACE
    after_gap = np.empty(len(flat), dtype=np.bool_)
    after_gap[:1] = True
    after_gap[1:] = is_space[:-1] | (flat[:-1] == _SEP_CODE)
    flat = flat[~(is_space & after_gap)]
    before_gap = np.empty(len(flat), dtype=np.bool_)
    before_gap[-1:] = True
    before_gap[:-1] = flat[1:] == _SEP_CODE
    flat = flat[~((flat == _SPACE) & before_gap)]
    separators = np.flatnonzero(flat == _SEP_CODE)
    offsets = np.empty(len(texts) + 1, dtype=np.int64)
    offsets[0] = 0
    if len(texts):
        offsets[1:-1] = separators - np.arange(len(separators))
        offsets[-1] = len(flat) - len(separators)
    codepoints = flat[flat != _SEP_CODE] if len(separators) else flat
    return NormalisedBatch(codepoints=np.ascontiguousarray(codepoints), offsets=offsets)


def normalise_text(text: str) -> str:
    """Normalise one text; identical to ``normalise_batch([text]).text(0)``."""
    return normalise_batch([text]).text(0)


# --- URLs -------------------------------------------------------------------------------

_SHORTENER_ALIASES = {"bitly.com": "bit.ly", "j.mp": "bit.ly", "bitly.is": "bit.ly"}
_SHORTENERS = frozenset(
    {
        "bit.ly", "t.co", "tinyurl.com", "ow.ly", "buff.ly", "goo.gl", "is.gd", "v.gd",
        "cutt.ly", "rebrand.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "lnkd.in",
        "dlvr.it", "fb.me", "trib.al", "amzn.to", "shorte.st", "s.id", "soo.gd", "qr.ae",
    }
)  # fmt: skip
_HOST_ALIASES = {
    "x.com": "twitter.com",
    "fb.com": "facebook.com",
    "youtube-nocookie.com": "youtube.com",
}
_WRAPPERS = {
    "l.facebook.com": "u", "lm.facebook.com": "u", "l.instagram.com": "u", "google.com": "q",
    "out.reddit.com": "url", "away.vk.com": "to", "t.umblr.com": "z", "l.messenger.com": "u",
}  # fmt: skip
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
_PATTERN_HOSTS = _SHORTENERS | {"youtu.be", "youtube.com", "redd.it", "t.me"}
_TRACKING = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "igshid", "igsh", "mc_cid", "mc_eid", "ref",
        "ref_src", "ref_url", "si", "feature", "cmpid", "ocid", "s", "t", "share", "_ga",
        "__twitter_impression", "smid", "spm", "mibextid", "rcm", "wt_mc", "ito",
    }
)  # fmt: skip
_MAX_UNWRAP = 3


def _bare_host(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1].lower()
    if host.endswith((":80", ":443")):
        host = host.rsplit(":", 1)[0]
    host = host.rstrip(".")
    stripped = True
    while stripped:
        stripped = False
        for prefix in _HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") > 1:
                host, stripped = host[len(prefix) :], True
    host = _SHORTENER_ALIASES.get(host, host)
    return _HOST_ALIASES.get(host, host)


def _clean_query(query: str) -> str:
    if not query:
        return ""
    pairs = [
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    ]
    return urlencode(sorted(pairs))


def _by_pattern(host: str, path: str, query: str) -> str | None:
    """Canonical keys for links whose target is written in the link itself."""
    if host not in _PATTERN_HOSTS:
        return None
    segments = [s for s in path.split("/") if s]
    if host == "youtu.be" and segments:
        return f"youtube.com/watch?v={segments[0]}"
    if host == "youtube.com":
        if len(segments) >= 2 and segments[0] in {"shorts", "embed", "live", "v"}:
            return f"youtube.com/watch?v={segments[1]}"
        video = dict(parse_qsl(query)).get("v")
        if segments == ["watch"] and video:
            return f"youtube.com/watch?v={video}"
    if host == "redd.it" and segments:
        return f"reddit.com/comments/{segments[0]}"
    if host == "t.me" and len(segments) >= 2 and segments[0] == "s":
        return "t.me/" + "/".join(segments[1:])
    if host in _SHORTENERS:
        return f"{host}/{segments[0]}" if segments else host
    return None


def _wrapped_target(host: str, path: str, query: str) -> str | None:
    param = _WRAPPERS.get(host)
    if param is None or (host == "google.com" and path.rstrip("/") != "/url"):
        return None
    values = dict(parse_qsl(query))
    return values.get(param) or values.get("url")


def normalise_url(url: str, _depth: int = 0) -> str | None:
    """Canonical key of a link, or ``None`` when the text holds no usable link."""
    url = url.strip().strip("<>\"'()[]")
    if not url:
        return None
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = _bare_host(parts.netloc)
    if not host or " " in host:
        return None
    target = _wrapped_target(host, parts.path, parts.query)
    if target and _depth < _MAX_UNWRAP:
        return normalise_url(target, _depth + 1)
    patterned = _by_pattern(host, parts.path, parts.query)
    if patterned is not None:
        return patterned
    path = (unquote(parts.path) if "%" in parts.path else parts.path).rstrip("/")
    if path.endswith("/amp"):
        path = path[: -len("/amp")]
    query = _clean_query(parts.query)
    return f"{host}{path}?{query}" if query else f"{host}{path}"
