"""Seeded synthetic social-media posts with planted coordinated groups and hard negatives.

Usage (writes the posts and a ground-truth CSV ``account,group`` of the planted accounts):

    python bench/disinfo_generate.py --posts 200000 --seed 7 --noise 0.3 \
        --out var/disinfo/posts.csv --truth var/disinfo/truth.csv [--format jsonl] [--bad-rows 0.01]

As a module (tests): ``generate(GeneratorConfig(posts=3000, seed=1))`` returns the rows (dicts
in the input format) and the truth; ``score_accounts`` scores detected groups against it.

The world: accounts write in Albanian, Croatian, Serbian (Latin and Cyrillic script) and
English on several platforms, with heavy-tailed activity and a daily rhythm.

- Planted groups (5-25 accounts each) run 12-30 *actions*: at one moment most members post
  the same campaign link (full URL with tracking variants, or one short link), a
  near-duplicate message (word swaps, hashtags, emoji, mentions, case, dropped diacritics,
  Serbian members switching between Cyrillic and Latin), both, or reshare a member's post,
  each after a delay of a few seconds; with ``noise`` members skip actions, post late
  (outside the window) or change more words. Members also post organically.
- Hard negatives: popular links and reshares (Zipf popularity, URL variants), rare links,
  memes, organic copypasta posted by many accounts over days, copypasta waves over hours,
  and breaking-news bursts in which 80-300 accounts (picked by activity, so heavy users
  recur) share the same new link and near-identical headlines within minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Dataset", "GeneratorConfig", "generate", "score_accounts", "write_posts", "write_truth"]

FIELDS = ("id", "account", "platform", "published_at", "text", "urls", "reply_to",
          "reshare_of", "language", "media_hash", "nation")  # fmt: skip
_START = datetime(2025, 3, 1, tzinfo=UTC)
_PLATFORMS = ("x", "facebook", "telegram", "tiktok", "instagram")
_LANGS = ("sq", "hr", "sr-Latn", "sr-Cyrl", "en")
_LANG_WEIGHTS = (0.30, 0.22, 0.15, 0.10, 0.23)
_NATIONS = {"sq": ("XK", "AL"), "hr": ("HR",), "sr-Latn": ("XK", "HR"), "sr-Cyrl": ("XK", "HR"),
            "en": ("XK", "AL", "HR")}  # fmt: skip
_WORDS = {
    "sq": "qeveria shqipëria kosova zgjedhjet lajme sot nesër populli partia ministri "
    "kryeministri korrupsioni protesta rruga qyteti prishtina tirana çmimet energjia ushtria "
    "siguria paqja lufta vendi bota shtëpia puna rinia shkolla mësuesit spitali mjekët "
    "ekonomia buxheti taksat drejtësia gjykata vendimi ligji kuvendi opozita votimi fshati "
    "familja fëmijët shëndeti uji drita ngrohja dimri vera turizmi deti mali futbolli "
    "kombëtarja fitorja humbja gazetarët media rrjeti vërteta gënjeshtra pse kush çfarë "
    "shumë pak mirë keq dhe por është janë ka kanë do të në për me nga që nuk po jo kufiri "
    "veriu serbët qytetarët rroga pensionet emigrimi gjermania zvicra",
    "hr": "vlada hrvatska zagreb split izbori vijesti danas sutra narod stranka ministar "
    "premijer korupcija prosvjed ulica grad cijene gorivo struja vojska sigurnost mir rat "
    "zemlja svijet kuća posao mladi škola učitelji bolnica liječnici gospodarstvo proračun "
    "porezi pravda sud odluka zakon sabor oporba glasanje selo obitelj djeca zdravlje voda "
    "grijanje zima ljeto turizam more planina nogomet reprezentacija pobjeda poraz novinari "
    "mediji mreža istina laž zašto tko što mnogo malo dobro loše i ali je su ima imaju će u "
    "na za s od da ne već čak građani šteta žene đaci plaće mirovine iseljavanje njemačka "
    "irska granica",
    "sr": "vlada srbija beograd novi sad izbori vesti danas sutra narod stranka ministar "
    "premijer korupcija protest ulica grad cene gorivo struja vojska bezbednost mir rat "
    "zemlja svet kuća posao mladi škola učitelji bolnica lekari privreda budžet porezi "
    "pravda sud odluka zakon skupština opozicija glasanje selo porodica deca zdravlje voda "
    "grejanje zima leto istina laž zašto ko šta mnogo malo dobro loše i ali je su ima imaju "
    "će u na za sa od da ne već čak građani ljudi njihov džep đak žene kosovo crkva manastir "
    "bratstvo jedinstvo plate penzije odlazak nemačka granica ćirilica ljubav njiva",
    "en": "government minister election news today tomorrow people party corruption protest "
    "street city prices fuel power army security peace war country world home work youth "
    "school teachers hospital doctors economy budget taxes justice court decision law "
    "parliament opposition vote village family children health water heating winter summer "
    "truth lies why who what many few good bad and but is are has have will in on for with "
    "from that not balkans nato eu border refugees energy media report breaking official "
    "sources claim secret plan exposed shocking video watch share wages pensions leaving",
}
_SYLLABLES = ("ko va ri sha lu mi dra gan pe tro vi ku qi na ta je lo bra zo ber ha "
              "mar ti al ban du le sto jan ra dek ni sel ma").split()  # fmt: skip
_LATIN, _CYRILLIC = "abvgdđežzijklmnoprstćufhcčš", "абвгдђежзијклмнопрстћуфхцчш"
_LAT_TO_CYR = [("lj", "љ"), ("nj", "њ"), ("dž", "џ"), ("Lj", "Љ"), ("Nj", "Њ"), ("Dž", "Џ")]
_LAT_TO_CYR += list(zip(_LATIN, _CYRILLIC, strict=True))
_FOLD = str.maketrans("čćđšžëçČĆĐŠŽËÇ", "ccdszecCCDSZEC")
_DECOR = ("#istina", "#vijesti", "#lajme", "#breaking", "🔥", "👉", "‼️", "#share", "🇽🇰", "!!!")
_NEWS_DOMAINS = (
    "www.bbc.com/news", "www.index.hr/vijesti/clanak", "telegrafi.com/lajme",
    "www.b92.net/info/vesti", "www.jutarnji.hr/vijesti", "kallxo.com/lajm",
    "www.rts.rs/vesti", "balkaninsight.com/2025", "www.reuters.com/world/europe",
)  # fmt: skip
_FAKE_DOMAINS = ("pravda-info.news", "lajme-sot24.com", "istina-danas.net", "eu-truth.org",
                 "balkan-patriot.info", "vesti-online24.rs", "bota-e-vertete.al")  # fmt: skip
_SHORTENERS = ("bit.ly", "j.mp", "tinyurl.com", "t.co")


@dataclass(frozen=True)
class GeneratorConfig:
    posts: int = 20_000
    seed: int = 1
    noise: float = 0.3
    span_days: float = 7.0
    posts_per_account: float = 20.0
    groups: int | None = None
    bursts: int | None = None


@dataclass
class Dataset:
    rows: list[dict[str, Any]]
    truth: dict[str, str]
    roles: dict[str, int] = field(default_factory=dict)


class _World:
    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.np = np.random.default_rng(cfg.seed)
        self.span = cfg.span_days * 86400.0
        n_acc = max(int(cfg.posts / cfg.posts_per_account), 60)
        self.accounts = [f"u{i:06d}" for i in range(n_acc)]
        self.activity = self.np.lognormal(0.0, 1.1, n_acc)
        self.activity /= self.activity.sum()
        self.lang = self.np.choice(len(_LANGS), n_acc, p=_LANG_WEIGHTS)
        self.platform = self.np.choice(len(_PLATFORMS), n_acc, p=(0.35, 0.3, 0.15, 0.12, 0.08))
        self.names = ["".join(self.rng.choices(_SYLLABLES, k=self.rng.randint(2, 4))).capitalize()
                      for _ in range(600)]  # fmt: skip
        self.rows: list[dict[str, Any]] = []
        self.next_id = 0
        self.popular_urls = [self._news_url() for _ in range(300)]
        langs = [self._lang_code() for _ in range(40)]
        self.copypasta = [(lang, self.sentence(lang, 16, 30)) for lang in langs]

    def _lang_code(self) -> str:
        return _LANGS[int(self.np.choice(len(_LANGS), p=_LANG_WEIGHTS))]

    def _news_url(self) -> str:
        slug = "-".join(self.rng.choices(_WORDS["en"].split(), k=4))
        return f"https://{self.rng.choice(_NEWS_DOMAINS)}/{slug}-{self.rng.randrange(10**7)}"

    def zipf(self, n: int, s: float = 1.1) -> int:
        return min(int(self.np.zipf(1.0 + s)) - 1, n - 1)

    def sentence(self, lang: str, lo: int = 10, hi: int = 26) -> str:
        words = _WORDS["sr" if lang.startswith("sr") else lang].split()
        rng = self.rng
        tokens = [
            rng.choice(self.names) if rng.random() < 0.22 else rng.choice(words)
            for _ in range(rng.randint(lo, hi))
        ]
        text = " ".join(tokens)
        text = text[0].upper() + text[1:]
        return _to_cyrillic(text) if lang == "sr-Cyrl" else text

    def variant(self, text: str, lang: str, strength: float) -> str:
        """A near-duplicate of ``text`` as a person or a script would retype it."""
        rng = self.rng
        words = text.split()
        for _ in range(int(rng.random() < 0.35 + strength) + int(rng.random() < strength / 2)):
            words[rng.randrange(len(words))] = self.sentence(lang, 1, 1).lower()
        text = " ".join(words)
        if lang.startswith("sr") and rng.random() < 0.4:
            text = _to_cyrillic(text) if lang == "sr-Latn" else _to_latin(text)
        if rng.random() < 0.3:
            text = text.translate(_FOLD)
        if rng.random() < 0.25:
            text = text.upper() if rng.random() < 0.3 else text.lower()
        if rng.random() < 0.35:
            text = f"{text} {' '.join(rng.choices(_DECOR, k=rng.randint(1, 2)))}"
        if rng.random() < 0.2:
            text = f"@{rng.choice(self.accounts)} {text}"
        return text

    def url_variant(self, url: str) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            url = url.replace("https://", "http://")
        if rng.random() < 0.2 and "://www." in url:
            url = url.replace("://www.", "://")
        if rng.random() < 0.3:
            url += f"?utm_source={rng.choice(_PLATFORMS)}&utm_medium=social"
        elif rng.random() < 0.15:
            url += "/"
        return url

    def time(self) -> float:
        day = self.rng.random() * self.cfg.span_days
        hour = (self.np.normal(14.0, 4.5)) % 24
        moment = math.floor(day) * 86400.0 + hour * 3600.0 + self.rng.random() * 60
        return min(moment, self.span - 1)

    def emit(self, acc: int, t: float, **fields: Any) -> str:
        pid = f"p{self.next_id:08d}"
        self.next_id += 1
        lang = fields.pop("language", None) or _LANGS[self.lang[acc]]
        self.rows.append({
            "id": pid, "account": self.accounts[acc], "platform": _PLATFORMS[self.platform[acc]],
            "published_at": (_START + timedelta(seconds=t)).isoformat().replace("+00:00", "Z"),
            "text": fields.get("text", ""), "urls": fields.get("urls", []),
            "reply_to": fields.get("reply_to", ""), "reshare_of": fields.get("reshare_of", ""),
            "language": lang, "media_hash": fields.get("media_hash", ""),
            "nation": self.rng.choice(_NATIONS[lang]),
        })  # fmt: skip
        return pid


def _to_cyrillic(text: str) -> str:
    for lat, cyr in _LAT_TO_CYR:
        text = text.replace(lat, cyr).replace(lat.upper(), cyr.upper())
    return text


def _to_latin(text: str) -> str:
    for lat, cyr in _LAT_TO_CYR:
        text = text.replace(cyr, lat).replace(cyr.upper(), lat[:1].upper() + lat[1:])
    return text


def _plant_group(world: _World, members: list[int], name: str, truth: dict[str, str]) -> None:
    rng, noise = world.rng, world.cfg.noise
    for m in members:
        truth[world.accounts[m]] = name
    lang = world._lang_code()
    domain = rng.choice(_FAKE_DOMAINS)
    presence = {m: rng.uniform(0.6, 0.95) - 0.15 * noise for m in members}
    for _ in range(rng.randint(12, 30)):
        kind = rng.choices(("link", "text", "both", "reshare"), weights=(3, 3, 3, 1))[0]
        t0 = rng.random() * (world.span - 900)
        slug = "-".join(rng.choices(_WORDS["en"].split(), k=3))
        url = f"https://www.{domain}/{slug}-{rng.randrange(10**6)}"
        short = f"https://{rng.choice(_SHORTENERS)}/{rng.randrange(36**6):x}"
        use_short = rng.random() < 0.3
        message = world.sentence(lang, 14, 26)
        media = f"{rng.getrandbits(64):016x}" if rng.random() < 0.2 else ""
        leader = rng.choice(members)
        seed_post = world.emit(leader, t0, text=message, language=lang)
        for m in members:
            if m == leader or rng.random() > presence[m]:
                continue
            late = rng.random() < 0.12 * noise
            t = t0 + (rng.uniform(60, 900) if late else rng.expovariate(1 / (6 + 20 * noise)))
            if kind == "reshare":
                world.emit(m, t, reshare_of=seed_post, language=lang)
                continue
            fields: dict[str, Any] = {"language": lang, "media_hash": media}
            if kind in ("text", "both"):
                fields["text"] = world.variant(message, lang, 0.25 * noise)
            if kind in ("link", "both"):
                link = world.url_variant(short if use_short else url)
                fields["urls"] = [link]
                if kind == "link":
                    fields["text"] = world.sentence(_LANGS[world.lang[m]], 4, 12)
            world.emit(m, min(t, world.span - 1), **fields)


def _organic(world: _World, n: int) -> None:
    rng = world.rng
    authors = world.np.choice(len(world.accounts), n, p=world.activity)
    for acc in authors.tolist():
        lang = _LANGS[world.lang[acc]]
        t, r = world.time(), rng.random()
        if r < 0.45:
            world.emit(acc, t, text=world.sentence(lang))
        elif r < 0.60:
            url = world.popular_urls[world.zipf(len(world.popular_urls))]
            world.emit(acc, t, text=world.sentence(lang, 3, 14), urls=[world.url_variant(url)])
        elif r < 0.70:
            url = f"https://{rng.choice(_NEWS_DOMAINS)}/a-{rng.randrange(max(n // 3, 10))}"
            world.emit(acc, t, text=world.sentence(lang, 3, 14), urls=[url])
        elif r < 0.80:
            world.emit(acc, t, reshare_of=f"x{world.zipf(2000):05d}")
        elif r < 0.85:
            target = f"x{world.zipf(2000):05d}"
            world.emit(acc, t, text=world.sentence(lang, 2, 10), reply_to=target)
        elif r < 0.91:
            meme = f"{world.zipf(500):016x}"
            world.emit(acc, t, text=world.sentence(lang, 2, 8), media_hash=meme)
        else:
            c_lang, text = world.copypasta[world.zipf(len(world.copypasta), 0.8)]
            world.emit(acc, t, text=world.variant(text, c_lang, 0.1), language=c_lang)


def _wave(world: _World, size: int, spread: float, headline: bool) -> int:
    """A breaking-news burst (seconds to minutes) or a copypasta wave (hours)."""
    rng = world.rng
    size = min(size, len(world.accounts) // 3)
    people = world.np.choice(len(world.accounts), size, replace=False, p=world.activity)
    lang = world._lang_code()
    if headline:
        text, url = world.sentence(lang, 8, 14), world._news_url()
    else:
        lang, text = world.copypasta[rng.randrange(len(world.copypasta))]
        url = ""
    t0 = rng.random() * (world.span - 6 * spread)
    outlet = world.emit(int(people[0]), t0, text=text, urls=[url] if url else [], language=lang)
    for acc in people[1:].tolist():
        t = min(t0 + rng.expovariate(1 / spread), world.span - 1)
        if headline and rng.random() < 0.3:
            world.emit(acc, t, reshare_of=outlet, language=lang)
        else:
            urls = [world.url_variant(url)] if url else []
            world.emit(acc, t, text=world.variant(text, lang, 0.3), urls=urls, language=lang)
    return size


def generate(cfg: GeneratorConfig) -> Dataset:
    """Build the posts (sorted by time) and the ground truth ``account -> group``."""
    world = _World(cfg)
    truth: dict[str, str] = {}
    n_groups = cfg.groups if cfg.groups is not None else max(3, cfg.posts // 12_000)
    pool = world.rng.sample(range(len(world.accounts)), len(world.accounts))
    for g in range(n_groups):
        size = world.rng.randint(5, 25)
        members, pool = pool[:size], pool[size:]
        if len(members) >= 3:
            _plant_group(world, members, f"g{g:03d}", truth)
    n_bursts = cfg.bursts if cfg.bursts is not None else max(2, cfg.posts // 25_000)
    for _ in range(n_bursts):
        _wave(world, world.rng.randint(80, 300), 90.0, headline=True)
    for _ in range(max(1, n_bursts // 2)):
        _wave(world, world.rng.randint(100, 300), 3 * 3600.0, headline=False)
    _organic(world, max(cfg.posts - len(world.rows), 0))
    world.rows.sort(key=lambda row: row["published_at"])
    return Dataset(rows=world.rows, truth=truth)


def _csv_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)


def _corrupt(rows: list[dict[str, Any]], fraction: float, rng: random.Random) -> list[bytes]:
    """CSV lines, a fraction of them broken in one of four ways (not in the ground truth)."""
    out = []
    for row in rows:
        fixed = dict(row)
        broken = rng.random() < fraction
        how = rng.randrange(4) if broken else -1
        if how == 0:
            fixed["account"] = ""
        elif how == 1:
            fixed["published_at"] = "2025-13-45T25:61:00Z"
        elif how == 3:
            fixed["urls"] = "[not json"
        line = _csv_line([_csv_value(fixed[f]) for f in FIELDS]).encode("utf-8")
        if how == 2:
            line = line.replace(b",", b",\xff\xfe", 1)
        out.append(line)
    return out


def _csv_line(values: Sequence[str]) -> str:
    class _Sink:
        value = ""

        def write(self, text: str) -> None:
            self.value += text

    sink = _Sink()
    csv.writer(sink, lineterminator="\n").writerow(values)
    return sink.value


def write_posts(rows: Iterable[dict[str, Any]], path: Path, fmt: str = "csv",
                bad_rows: float = 0.0, seed: int = 0) -> None:  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = list(rows)
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if bad_rows:
        with path.open("wb") as fh:
            fh.write((",".join(FIELDS) + "\n").encode())
            fh.writelines(_corrupt(rows, bad_rows, random.Random(seed)))
        return
    with path.open("w", encoding="utf-8", newline="") as text:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows([_csv_value(row[f]) for f in FIELDS] for row in rows)


def write_truth(truth: dict[str, str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("account", "group"))
        writer.writerows(sorted(truth.items()))


def read_truth(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["account"]: row["group"] for row in csv.DictReader(fh)}


def score_accounts(groups: Sequence[Sequence[str]], truth: dict[str, str]) -> dict[str, float]:
    """Account-level precision/recall of planted accounts, and pair-level (same group) scores."""
    found = {a for g in groups for a in g}
    planted = set(truth)
    tp = len(found & planted)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(planted) if planted else 1.0
    same_found = sum(
        1 for g in groups for i, a in enumerate(g) for b in g[i + 1 :]
        if a in truth and truth.get(b) == truth[a]
    )  # fmt: skip
    pairs_found = sum(len(g) * (len(g) - 1) // 2 for g in groups)
    sizes: dict[str, int] = {}
    for name in truth.values():
        sizes[name] = sizes.get(name, 0) + 1
    pairs_planted = sum(n * (n - 1) // 2 for n in sizes.values())
    return {
        "precision": precision,
        "recall": recall,
        "pair_precision": same_found / pairs_found if pairs_found else 1.0,
        "pair_recall": same_found / pairs_planted if pairs_planted else 1.0,
        "accounts_found": float(len(found)),
        "accounts_planted": float(len(planted)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=float, default=0.3)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--groups", type=int, default=None)
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument("--bad-rows", type=float, default=0.0, help="fraction of broken CSV rows")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    args = parser.parse_args()
    cfg = GeneratorConfig(posts=args.posts, seed=args.seed, noise=args.noise,
                          span_days=args.days, groups=args.groups)  # fmt: skip
    data = generate(cfg)
    write_posts(data.rows, args.out, args.format, args.bad_rows, args.seed)
    write_truth(data.truth, args.truth)
    print(f"{len(data.rows)} posts -> {args.out}; {len(data.truth)} planted accounts in "
          f"{len(set(data.truth.values()))} groups -> {args.truth}")  # fmt: skip


if __name__ == "__main__":
    main()
