"""Text and URL normalisation: the same message or link written differently must match."""

from __future__ import annotations

import pytest

from defpact.threats.disinfo.normalise import (
    fold_diacritics,
    normalise_batch,
    normalise_text,
    normalise_url,
    transliterate_serbian,
)


def test_serbian_cyrillic_becomes_latin_keeping_case_and_digraphs() -> None:
    assert transliterate_serbian("Љубав, Џеп и ђак шета") == "Ljubav, Džep i đak šeta"
    assert transliterate_serbian("Њива ЋУПРИЈА") == "Njiva ĆUPRIJA"


def test_croatian_and_albanian_diacritics_fold_to_ascii() -> None:
    assert fold_diacritics("čćđšž ČĆĐŠŽ") == "ccdjsz CCDjSZ"
    assert fold_diacritics("Shqipëria çfarë") == "Shqiperia cfare"


@pytest.mark.parametrize(
    "variant",
    [
        "Влада ЛАЖЕ о ценама горива!",
        "Vlada LAŽE o cenama goriva!",
        "vlada laze o cenama goriva",
        "  VLADA   laže... o cenama goriva 🔥 ",
        "@minister Vlada laže o cenama goriva https://bit.ly/3xYz",
        "Ｖｌａｄａ laže o cenama goriva",
    ],
)
def test_script_case_accents_links_and_emoji_do_not_change_the_text(variant: str) -> None:
    assert normalise_text(variant) == "vlada laze o cenama goriva"


def test_batch_keeps_texts_apart_including_empty_ones() -> None:
    texts = ["Prvi tekst", "", "!!!", "Други текст", "third one"]
    batch = normalise_batch(texts)
    assert [batch.text(i) for i in range(len(texts))] == [
        "prvi tekst",
        "",
        "",
        "drugi tekst",
        "third one",
    ]
    assert batch.lengths().tolist() == [10, 0, 0, 11, 9]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.BBC.com/news/world/?utm_source=tw&b=2&a=1#top", "bbc.com/news/world?a=1&b=2"),
        ("http://bbc.com/news/world?a=1&b=2&fbclid=xyz", "bbc.com/news/world?a=1&b=2"),
        ("https://m.facebook.com/story.php?id=7", "facebook.com/story.php?id=7"),
        ("https://x.com/pact/status/1?s=20", "twitter.com/pact/status/1"),
        ("youtu.be/AbC123?t=30", "youtube.com/watch?v=AbC123"),
        ("https://www.youtube.com/shorts/AbC123", "youtube.com/watch?v=AbC123"),
        ("https://m.youtube.com/watch?v=AbC123&feature=share", "youtube.com/watch?v=AbC123"),
        ("https://bit.ly/3xYz?utm_medium=social", "bit.ly/3xYz"),
        ("http://j.mp/3xYz", "bit.ly/3xYz"),
        ("https://bitly.com/3xYz/", "bit.ly/3xYz"),
        ("https://t.co/AbCd", "t.co/AbCd"),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.rt.com%2Fnews%2F1%3Futm_source%3Dfb",
            "rt.com/news/1",
        ),
        ("https://www.google.com/url?q=https://example.org/a/", "example.org/a"),
        ("example.org/story/amp", "example.org/story"),
    ],
)
def test_url_variants_share_one_key(url: str, key: str) -> None:
    assert normalise_url(url) == key


def test_short_link_keys_keep_their_case_and_differ_from_each_other() -> None:
    assert normalise_url("https://bit.ly/AbC") != normalise_url("https://bit.ly/abc")


@pytest.mark.parametrize("junk", ["", "   ", "not a url", "http://", "https://exa mple.com/x"])
def test_text_that_is_no_link_gives_none(junk: str) -> None:
    assert normalise_url(junk) is None
