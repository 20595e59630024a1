"""Properties of normalisation that matching relies on, over arbitrary text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from defpact.threats.disinfo.normalise import normalise_batch, normalise_text, normalise_url

_LATIN = "abcdefghijklmnoprstuvzčćđšžëç ABCČĆĐŠŽ .,!?#@-'"
_CYRILLIC = "абвгдђежзијклмнљњопрстћуфхцчџшАБВЂЖЉЊЋЏШ"
_OTHER = "ΑαΩω日本語😀🔥\u0301\u00a0\t\n\x01ﬁＡ"
texts = st.text(alphabet=_LATIN + _CYRILLIC + _OTHER, max_size=60)
_LATIN_TO_CYRILLIC = [("lj", "љ"), ("nj", "њ"), ("dž", "џ")] + list(
    zip("abvgdđežzijklmnoprstćufhcčš", "абвгдђежзијклмнопрстћуфхцчш", strict=True)
)


def _cyrillic(latin: str) -> str:
    for lat, cyr in _LATIN_TO_CYRILLIC:
        latin = latin.replace(lat, cyr)
    return latin


@settings(max_examples=100, deadline=None)
@given(st.lists(texts, max_size=8))
def test_a_batch_normalises_each_text_as_alone(items: list[str]) -> None:
    batch = normalise_batch(items)
    assert [batch.text(i) for i in range(len(items))] == [normalise_text(t) for t in items]


@settings(max_examples=100, deadline=None)
@given(texts)
def test_normalised_text_is_lower_case_words_separated_by_single_spaces(text: str) -> None:
    out = normalise_text(text)
    assert out == out.strip()
    assert "  " not in out
    assert all(word.isalnum() for word in out.split(" ") if out)
    assert normalise_text(out) == out


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abvgdeđžzijklmnoprstćufhcčš ", min_size=1, max_size=40))
def test_serbian_written_in_cyrillic_or_latin_normalises_the_same(latin: str) -> None:
    assert normalise_text(_cyrillic(latin)) == normalise_text(latin)
    assert normalise_text(latin.upper()) == normalise_text(latin)


hosts = st.from_regex(r"[a-z]{3,10}\.(com|org|hr|al|rs)", fullmatch=True)
paths = st.from_regex(r"(/[a-z0-9]{1,8}){0,3}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(hosts, paths, st.booleans(), st.booleans(), st.booleans())
def test_scheme_www_tracking_and_fragment_do_not_change_the_url_key(
    host: str, path: str, secure: bool, www: bool, tracked: bool
) -> None:
    plain = normalise_url(f"https://{host}{path}")
    variant = f"{'https' if secure else 'http'}://{'www.' if www else ''}{host.upper()}{path}/"
    variant += "?utm_source=tw&fbclid=1#c" if tracked else ""
    assert normalise_url(variant) == plain
    assert plain is not None
    assert normalise_url(plain) == plain
